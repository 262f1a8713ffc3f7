import type { Migration } from 'kysely';
import { eventsMigration } from './0001-events.js';
import { appendHeadMigration } from './0002-append-head.js';
import { eventTagsMigration } from './0003-event-tags.js';
import { horizonMigration } from './0004-horizon.js';
import { decisionSnapshotsMigration } from './0005-decision-snapshots.js';
import { schemaVersionMigration } from './0006-schema-version.js';
import { subjectKeysMigration } from './0007-subject-keys.js';
import { eventSealsMigration } from './0008-event-seals.js';
import { subjectGuardMigration } from './0009-subject-guard.js';
import { refuseErasedMigration } from './0010-refuse-erased.js';

/**
 * The schema's migrations, in order. `schema` is validated as a plain lower-case identifier before it gets
 * here, so quoting it with double quotes is enough. Applied migrations never change; a change is a new one.
 */
export function migrations(schema: string): Record<string, Migration> {
  const s = `"${schema}"`;
  return {
    '0001_events': eventsMigration(s),
    '0002_append_head': appendHeadMigration(s),
    '0003_event_tags': eventTagsMigration(s),
    '0004_horizon': horizonMigration(s),
    '0005_decision_snapshots': decisionSnapshotsMigration(s),
    '0006_schema_version': schemaVersionMigration(s),
    '0007_subject_keys': subjectKeysMigration(s),
    '0008_event_seals': eventSealsMigration(s),
    '0009_subject_guard': subjectGuardMigration(s),
    '0010_refuse_erased': refuseErasedMigration(s),
  };
}
