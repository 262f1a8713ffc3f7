import type { AccountType } from '../../domain/events.js';

/** Open an account. Optional fields take the defaults below. */
export interface OpenAccount {
  readonly customerName: string;
  /** @defaultValue 'checking' */
  readonly accountType?: AccountType | undefined;
  /** ISO 4217. @defaultValue 'USD' */
  readonly currency?: string | undefined;
  /** Minor units, ≥ 0. @defaultValue 0 */
  readonly initialDeposit?: number | undefined;
  /**
   * Chosen by the client to make the request retry-safe: a retry with the same id and details answers the
   * same account (`replayed: true`). @defaultValue a new UUID
   */
  readonly accountId?: string | undefined;
}

export interface AccountOpenedResult {
  readonly accountId: string;
  readonly customerName: string;
  readonly accountType: AccountType;
  readonly currency: string;
  readonly initialDeposit: number;
}
