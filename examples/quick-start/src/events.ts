// #region events
/** Every event of the app: a union of `{ type, data }`, one member per event type. */
export type AccountEvent =
  | { type: 'AccountOpened'; data: { accountId: string; owner: string } }
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
  | { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number } };
// #endregion events

/** The tag that puts an event in an account's consistency boundary. */
export const accountTag = (accountId: string) => `account:${accountId}`;
