import { upcasterChain, type Upcasters } from '@tally/eventstore';
import type { AccountOpened, BankEvent } from './events.js';

/**
 * `AccountOpened` as the bank wrote it before it had savings accounts (schema version 1): no `accountType`,
 * every account was a checking account.
 */
export type AccountOpenedV1 = Omit<AccountOpened['data'], 'accountType'>;

// #region upcasters
/**
 * The bank's upcasters: stored events keep the shape they were written in; every read path (the slices'
 * decisions, the projections, the views' folds) gets the current one.
 */
export const bankUpcasters: Upcasters<BankEvent> = {
  AccountOpened: upcasterChain((v1: AccountOpenedV1) => ({ ...v1, accountType: 'checking' as const })),
};
// #endregion upcasters
