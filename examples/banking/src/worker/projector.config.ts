/**
 * The `tally-projector` worker's config for the bank: `pnpm start:worker` (DATABASE_URL required). Start as
 * many copies as you like, on as many machines: they share the projections through the database.
 */
import type { ProjectorConfig } from '@tally/projections';
import type { BankEvent } from '../domain/events.js';
import { bankProjections } from '../projections.js';

const config: ProjectorConfig<BankEvent> = { projections: bankProjections };
export default config;
