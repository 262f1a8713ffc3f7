/**
 * The `tally-projector` worker's config for the bank: `pnpm start:worker` (DATABASE_URL required). Start as
 * many copies as you like, on as many machines: they share the projections through the database.
 */
import type { ProjectorConfig } from '@tally/projections';
import type { BankEvent } from '../domain/events.js';
import { bankUpcasters } from '../domain/upcasters.js';
import { bankProjections } from '../projections.js';

// The bank's upcasters: the worker reads the events the bank writes, at the versions it writes them.
const config: ProjectorConfig<BankEvent> = { projections: bankProjections, upcasters: bankUpcasters };
export default config;
