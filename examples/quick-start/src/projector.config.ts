// #region config
/** The `tally-projector` worker's config: `tally-projector start --config dist/projector.config.js`. */
import type { ProjectorConfig } from '@tally/projections';
import { balancesProjection } from './balances.js';
import type { AccountEvent } from './events.js';

const config: ProjectorConfig<AccountEvent> = { projections: [balancesProjection] };
export default config;
// #endregion config
