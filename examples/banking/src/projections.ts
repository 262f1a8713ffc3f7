import { accountsProjection } from './features/views/accounts-projection.js';
import { statementsProjection } from './features/views/statements-projection.js';

/** Every projection of the bank: what the `tally-projector` worker (or the in-process projector) runs. */
export const bankProjections = [accountsProjection, statementsProjection] as const;
