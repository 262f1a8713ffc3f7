import { createCommandHandler, type HandlerMode } from '@tally/decisions';
import { createEventStore, type EncryptionKeyOption, type ErasureResult, type EventMetadata, type EventStore } from '@tally/eventstore';
import { createProjector, type Projector, type ProjectorLogger } from '@tally/projections';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Outcome } from './domain/decision.js';
import { AccountNotFoundError } from './domain/errors.js';
import { bankPersonalData, type BankEvent } from './domain/events.js';
import { checkId } from './domain/ids.js';
import { bankEncryptionKey } from './encryption-key.js';
import { bankUpcasters } from './domain/upcasters.js';
import { closeAccount } from './features/close-account/close-account.js';
import type { AccountClosedResult, CloseAccount } from './features/close-account/types.js';
import { deposit } from './features/deposit/deposit.js';
import type { Deposit, DepositResult } from './features/deposit/types.js';
import { openAccount } from './features/open-account/open-account.js';
import type { AccountOpenedResult, OpenAccount } from './features/open-account/types.js';
import { transfer } from './features/transfer/transfer.js';
import type { Transfer, TransferResult } from './features/transfer/types.js';
import { getAccount, getStatement, listAccounts, statementAsOf, type AccountView, type ListOptions, type Statement } from './features/views/queries.js';
import type { BankReadDb } from './features/views/read-model.js';
import { withdraw } from './features/withdraw/withdraw.js';
import type { Withdraw, WithdrawalResult } from './features/withdraw/types.js';
import { bankProjections } from './projections.js';

export interface BankOptions {
  readonly connectionString: string;
  /** Connections of the event store's pool (the read models get a pool of a quarter of it). @defaultValue 10 */
  readonly maxConnections?: number;
  /**
   * How the slices' decisions are guarded. `optimistic`: read, decide, append guarded by the read; a lost race
   * is decided again after a backoff, up to 20 times (then CONCURRENCY_CONFLICT). `locked`: the decision takes
   * its condition's locks before it reads, in one transaction with its append: requests on one account wait for
   * each other instead of racing, holding a connection while they wait. @defaultValue 'optimistic'
   */
  readonly decisionMode?: HandlerMode;
  /**
   * The store key that wraps the customers' keys (see `encryption-key.ts`): a key, a key ring while rotating, or
   * a provider (a KMS call). @defaultValue `TALLY_ENCRYPTION_KEY` (required then)
   */
  readonly encryptionKey?: EncryptionKeyOption;
}

/** The bank's application layer: the slices' commands and the views, over one database. */
export interface Bank {
  readonly store: EventStore<BankEvent>;
  /** The read models. */
  readonly db: Kysely<BankReadDb>;
  /** Creates the event tables and the read tables (idempotent). */
  migrate(): Promise<void>;
  openAccount(command: OpenAccount, metadata?: EventMetadata): Promise<Outcome<AccountOpenedResult>>;
  deposit(command: Deposit, metadata?: EventMetadata): Promise<Outcome<DepositResult>>;
  withdraw(command: Withdraw, metadata?: EventMetadata): Promise<Outcome<WithdrawalResult>>;
  transfer(command: Transfer, metadata?: EventMetadata): Promise<Outcome<TransferResult>>;
  closeAccount(command: CloseAccount, metadata?: EventMetadata): Promise<Outcome<AccountClosedResult>>;
  /**
   * Forgets the customer of an account (a right-to-erasure request): the name is gone from every read path and,
   * once the projector has run the accounts view's `onErase`, from the read model; balances and history stay.
   * Idempotent. @throws {InvalidInputError} for a malformed account id
   */
  eraseCustomer(accountId: string, options?: { readonly erasedBy?: string }): Promise<ErasureResult>;
  /**
   * The account from the read model; an account the projector has not reached yet is folded from its
   * events, so a client sees the account it just opened. @throws {AccountNotFoundError}
   */
  getAccount(accountId: string): Promise<AccountView>;
  listAccounts(options?: ListOptions): Promise<AccountView[]>;
  /**
   * From the read model, or with `asOf` from the events as they were at that moment. An event belongs to the
   * millisecond it happened in: the statement as of `T` holds every event whose `occurredAt`, truncated to the
   * millisecond, is at or before `T` (everything up to the end of millisecond `T`, on the database server's
   * clock), so `asOf` = an `occurredAt` the bank showed includes that event. @throws {AccountNotFoundError}
   */
  getStatement(accountId: string, asOf?: Date): Promise<Statement>;
  /** A projector running the bank's projections in this process (the demo and the API's embedded mode use it). */
  startProjector(options?: { readonly logger?: ProjectorLogger }): Promise<Projector>;
  /** Stops the projector if started here, then closes the pools. */
  close(): Promise<void>;
}

/** @throws {MissingEncryptionKeyError} without `encryptionKey` when `TALLY_ENCRYPTION_KEY` is not set */
export function createBank(options: BankOptions): Bank {
  const maxConnections = options.maxConnections ?? 10;
  const store = createEventStore<BankEvent>({
    connectionString: options.connectionString,
    maxConnections,
    upcasters: bankUpcasters,
    personalData: bankPersonalData,
    encryptionKey: options.encryptionKey ?? bankEncryptionKey(),
  });
  const mode = options.decisionMode ?? 'optimistic';
  // One handler for every slice: requests on the same events in this process queue behind each other.
  const handler = createCommandHandler(store, { mode });
  const pool = new pg.Pool({ connectionString: options.connectionString, max: Math.max(2, Math.ceil(maxConnections / 4)) });
  // An idle connection the server drops (restart, failover) must not crash the process: the pool replaces it.
  pool.on('error', () => {});
  // A checked-out client has no pool listener: a server restart between a query and its release would crash the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<BankReadDb>({ dialect: new PostgresDialect({ pool }) });
  let projector: Projector | undefined;

  return {
    store,
    db,
    async migrate() {
      await store.migrate();
      for (const projection of bankProjections) await projection.setup(db);
    },
    openAccount: (command, metadata) => openAccount(handler, store, command, metadata),
    deposit: (command, metadata) => deposit(handler, command, metadata),
    withdraw: (command, metadata) => withdraw(handler, command, metadata),
    transfer: (command, metadata) => transfer(handler, command, metadata),
    closeAccount: (command, metadata) => closeAccount(handler, command, metadata),
    eraseCustomer: (accountId, eraseOptions) => store.eraseSubject(checkId(accountId, 'accountId'), eraseOptions),
    async getAccount(accountId) {
      const view = await getAccount(db, accountId);
      if (view) return view;
      return (await statementAsOf(store, accountId, null)).account;
    },
    listAccounts: (listOptions) => listAccounts(db, listOptions),
    async getStatement(accountId, asOf) {
      if (asOf) return statementAsOf(store, accountId, asOf);
      try {
        return await getStatement(db, accountId);
      } catch (error) {
        if (!(error instanceof AccountNotFoundError)) throw error;
        return statementAsOf(store, accountId, null);
      }
    },
    async startProjector(projectorOptions = {}) {
      projector ??= createProjector({
        store,
        projections: bankProjections,
        connectionString: options.connectionString,
        ...(projectorOptions.logger ? { logger: projectorOptions.logger } : {}),
      });
      await projector.start();
      return projector;
    },
    async close() {
      await projector?.stop();
      await Promise.allSettled([store.close(), db.destroy()]);
    },
  };
}
