/** The events of docs/deciders.md: the bank account of the guide's `BankAccount` class, as a union. */
// #region events
export type AccountEvent =
  | { type: 'AccountOpened'; data: { accountId: string; initialDeposit: number } }
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
  | { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number; withdrawalId: string } }
  | { type: 'AccountClosed'; data: { accountId: string } };

export const accountTag = (accountId: string) => `account:${accountId}`;
export const withdrawalTag = (withdrawalId: string) => `withdrawal:${withdrawalId}`;
// #endregion events
