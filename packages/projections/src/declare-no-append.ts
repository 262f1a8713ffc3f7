import type { Transaction } from 'kysely';
import type { ProjectorTables } from './schema/tables.js';

/**
 * Declares that the batch transaction `trx` will never append events, so that followers (subscriptions,
 * projections, `readSettled`) need not wait for it. Placeholder: does nothing yet.
 */
export async function declareNoAppend(_trx: Transaction<ProjectorTables>): Promise<void> {}
