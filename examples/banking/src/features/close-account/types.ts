export interface CloseAccount {
  readonly accountId: string;
}

export interface AccountClosedResult {
  readonly accountId: string;
}
