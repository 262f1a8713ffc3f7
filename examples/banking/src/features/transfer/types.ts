export interface Transfer {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  /** Minor units, > 0. */
  readonly amount: number;
  /** Chosen by the client; a retried request with the same id is applied once. */
  readonly transferId: string;
}

export interface TransferResult {
  readonly transferId: string;
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly amount: number;
  readonly currency: string;
}
