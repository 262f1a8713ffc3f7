import { v7 as uuidv7 } from 'uuid';
import { AppendConditionError, EventIdConflictError, UnsupportedIsolationError } from './errors.js';
import type { EncodingEvent } from './codec/codec-types.js';
import { planLocks } from './lock-keys.js';
import { SubjectErasedError } from './encryption-errors.js';
import { INVALID_HEAD_SQLSTATE, REPEATABLE_READ_SQLSTATE, SUBJECT_ERASED_SQLSTATE } from './schema/tables.js';
import { appendEvents, type AppendOutcome } from './sql/append-events.js';
import type { StatementRunner } from './sql/runner.js';
import type { StoreRuntime } from './store-runtime.js';
import { activeTraceContext, withTraceContext } from './telemetry/trace-context.js';
import type { AppendOptions, AppendResult, EventShape, NewEvent } from './types.js';
import { prepareEvents, validateCondition } from './validation.js';

/**
 * One append on `run` (the store's pool, or a caller's transaction when `inTransaction`): checks the input,
 * verifies the condition's head, plans the locks, and turns the statement's outcome into a result or an error.
 */
export async function append<E extends EventShape>(
  runtime: StoreRuntime,
  run: StatementRunner,
  inTransaction: boolean,
  events: readonly NewEvent<E>[],
  options: AppendOptions<E>,
): Promise<AppendResult> {
  const { schema, channel, notifyMode, maxEventBytes, maxFineLocks } = runtime.settings;
  const checked = prepareEvents(events, options.metadata, maxEventBytes);
  const condition = options.condition;
  if (condition !== undefined) validateCondition(condition);
  const { encode, encodeQuery } = runtime.codec;
  const encoded = encode === undefined ? checked : encode(checked, { kind: 'postgres', schema, run, inTransaction });
  // Awaited only when a stage waits for I/O (a key to fetch): each await is a turn of the microtask queue.
  const prepared: readonly EncodingEvent[] = encoded instanceof Promise ? await encoded : encoded;
  const conditionQuery = condition === undefined ? undefined : encodeQuery === undefined ? condition.query : encodeQuery(condition.query);
  const signer = condition !== undefined ? await runtime.signer(run) : undefined;
  const head = condition?.after !== undefined ? signer!.verify(condition.after) : undefined;
  // The caller's ids: a stage may give events ids of its own (the personal-data stage binds envelopes to them).
  const checkIds = checked.some((event) => event.id !== undefined);
  // The active span (the append's own, see traceAppend) goes into each event's metadata, for the spans that read it.
  const trace = activeTraceContext();
  // Built field by field: what the statements read, and no spread with new keys (V8's slow path: ~0.6–2 µs an event).
  const rows = prepared.map((event) => ({
    id: event.id ?? uuidv7(),
    type: event.type,
    data: event.data,
    tags: event.tags,
    metadata: trace ? withTraceContext(event.metadata, trace) : event.metadata,
    schemaVersion: event.schemaVersion, // JSON leaves it out when undefined: the column's default (1) applies
  }));
  const input = {
    eventsJson: JSON.stringify(rows),
    locks: planLocks(schema, prepared, conditionQuery, maxFineLocks),
    checkIds,
    queryJson: conditionQuery ? JSON.stringify(conditionQuery) : null,
    snapshot: head?.snapshot ?? null,
    headStore: head?.storeId ?? null,
    headOwn: head?.own ?? null,
    headOwnPosition: head?.ownPosition ?? null,
    notifyChannel: notifyMode === 'in-transaction' || (inTransaction && notifyMode !== 'off') ? channel : null,
    // The subjects whose keys encrypted the batch: the statement itself refuses it if one was erased meanwhile.
    subjects: batchSubjects(prepared),
  };
  let result: AppendOutcome;
  try {
    result = await appendEvents(run, runtime.appendSql, input);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === REPEATABLE_READ_SQLSTATE) throw new UnsupportedIsolationError();
    if (code === SUBJECT_ERASED_SQLSTATE) {
      const erased = String((error as { detail?: unknown }).detail ?? '');
      throw new SubjectErasedError(Math.max(0, prepared.findIndex((event) => event.subjects?.includes(erased))));
    }
    // The head is of another store identity: this process may hold the secret of before a restore.
    if (code === INVALID_HEAD_SQLSTATE) runtime.forgetSigner();
    // Two appends of the same new ids raced past the id check; the loser retries, and then finds the
    // winner's events (idempotent success, or a conflict). Inside a caller's transaction it cannot.
    if (code === '23505' && checkIds && !inTransaction) {
      result = await appendEvents(run, runtime.appendSql, input);
    } else if (code === '23505' && checkIds) {
      throw new EventIdConflictError(rows.find((r) => r.id)!.id);
    } else {
      throw error;
    }
  }
  switch (result.outcome) {
    case 'condition-failed':
      throw new AppendConditionError({ query: condition?.query ?? [], after: condition?.after });
    case 'id-conflict':
      throw new EventIdConflictError(result.conflictId);
    case 'duplicate':
      return { positions: result.positions, ids: rows.map((row) => row.id), schemaVersions: rows.map((row) => row.schemaVersion ?? 1), lastPosition: result.positions[result.positions.length - 1]!, duplicate: true };
    case 'appended': {
      const lastPosition = result.positions[result.positions.length - 1]!;
      if (notifyMode === 'after-commit' && !inTransaction) runtime.notifier.notify(lastPosition);
      return {
        positions: result.positions,
        ids: rows.map((row) => row.id),
        schemaVersions: rows.map((row) => row.schemaVersion ?? 1),
        lastPosition,
        duplicate: false,
        ...(result.head === null || signer === undefined ? {} : { head: signer.sign(result.head) }),
        ...(result.occurredAt === undefined ? {} : { occurredAt: result.occurredAt }),
        ...(result.transactionId === undefined ? {} : { transactionId: result.transactionId }),
      };
    }
  }
}

/** The hashes (hex) of the subjects whose keys encrypted `events`, each once, or null when none did. */
function batchSubjects(events: readonly EncodingEvent[]): readonly string[] | null {
  if (events.length === 1) return events[0]!.subjects ?? null;
  let hashes: Set<string> | undefined;
  for (const event of events) {
    for (const hash of event.subjects ?? []) (hashes ??= new Set()).add(hash);
  }
  return hashes === undefined ? null : [...hashes];
}
