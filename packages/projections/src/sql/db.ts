import type { Kysely } from 'kysely';
import type { ProjectorTables } from '../schema/tables.js';

/** The projector's database (or a transaction of it), scoped to the store's schema. */
export type ProjectorDb = Kysely<ProjectorTables>;
