/**
 * The `tally-projector` worker's config for the bank: `pnpm start:worker` (DATABASE_URL required). Start as
 * many copies as you like, on as many machines: they share the projections through the database.
 */
import type { ProjectorConfig } from '@tally/projections';
import { bankPersonalData, type BankEvent } from '../domain/events.js';
import { bankUpcasters } from '../domain/upcasters.js';
import { bankEncryptionKey } from '../encryption-key.js';
import { bankProjections } from '../projections.js';

// The bank's store options: the worker reads the events the bank writes, at the versions it writes them, and
// decrypts the customer names with the bank's key (`TALLY_ENCRYPTION_KEY`).
const config: ProjectorConfig<BankEvent> = {
  projections: bankProjections,
  upcasters: bankUpcasters,
  personalData: bankPersonalData,
  encryptionKey: bankEncryptionKey(),
};
export default config;
