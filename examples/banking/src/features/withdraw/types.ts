export interface Withdraw {
  readonly accountId: string;
  /** Minor units, > 0. */
  readonly amount: number;
  /** Chosen by the client; a retried request with the same id is applied once. */
  readonly withdrawalId: string;
}

export interface WithdrawalResult {
  readonly accountId: string;
  readonly withdrawalId: string;
  readonly amount: number;
  readonly currency: string;
}
