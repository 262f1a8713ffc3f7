export interface Deposit {
  readonly accountId: string;
  /** Minor units, > 0. */
  readonly amount: number;
  /** Chosen by the client; a retried request with the same id is applied once. */
  readonly depositId: string;
}

export interface DepositResult {
  readonly accountId: string;
  readonly depositId: string;
  readonly amount: number;
  readonly currency: string;
}
