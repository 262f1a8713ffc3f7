import type { NewEvent, Query } from '@tally/eventstore';
import { defineBankDecision } from '../../domain/decision.js';
import { InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { customerNameKey } from '../../domain/customer-name.js';
import { accountTag, type AccountOpened, type AccountType, type BankEvent } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { checkAmount, checkCurrency } from '../../domain/money.js';
import type { AccountOpenedResult, OpenAccount } from './types.js';

const accountTypes: readonly AccountType[] = ['checking', 'savings'];

/**
 * Checks a customer name: Unicode text (no lone surrogate), 1–100 characters once trimmed, no control
 * characters, something visible. Its uniqueness is by `customerNameKey` (names that look alike are one name).
 */
export function checkCustomerName(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInputError('customerName', 'customerName must be a string');
  // A lone surrogate is no character: it cannot be stored as text (nor shown), so it is the client's mistake.
  if (!value.isWellFormed()) throw new InvalidInputError('customerName', 'customerName must be valid Unicode text: it holds a lone surrogate');
  const name = value.normalize('NFC').trim();
  const length = [...name].length; // characters, not UTF-16 code units
  if (length === 0 || length > 100) throw new InvalidInputError('customerName', 'customerName must be 1 to 100 characters');
  if (/\p{Cc}/u.test(name)) throw new InvalidInputError('customerName', 'customerName must not contain control characters');
  const key = customerNameKey(name);
  if (key === '') throw new InvalidInputError('customerName', 'customerName must contain a visible character');
  // The key is in a tag (at most 1 KiB); compatibility forms can expand a character to many (U+FDFA is 18).
  if (Buffer.byteLength(key) > 1000) throw new InvalidInputError('customerName', 'customerName is too long once its compatibility characters are spelt out');
  return name;
}

/**
 * The opening's event and answer, from the request alone (its checks need no read) and the name's tag
 * (`customerTag`, computed by the store before). Whether the name is free, and whether the account id was used
 * before, is for {@link openAccountDecision}.
 */
export function decideOpenAccount(
  command: OpenAccount,
  accountId: string,
  nameTag: string,
): { event: NewEvent<BankEvent>; result: AccountOpenedResult; nameTag: string } {
  const customerName = checkCustomerName(command.customerName);
  const accountType = command.accountType ?? 'checking';
  if (!accountTypes.includes(accountType)) {
    throw new InvalidInputError('accountType', `accountType must be one of ${accountTypes.join(', ')}, got ${JSON.stringify(accountType)}`);
  }
  const currency = checkCurrency(command.currency ?? 'USD');
  const initialDeposit = checkAmount(command.initialDeposit ?? 0, 'initialDeposit', { allowZero: true });
  const result = { accountId, customerName, accountType, currency, initialDeposit };
  return {
    event: { type: 'AccountOpened', id: operationEventId('open', accountId), data: result, tags: [accountTag(accountId), nameTag] },
    result,
    nameTag,
  };
}

/** An opening ready to decide: its event and its answer (see {@link decideOpenAccount}). */
export type Opening = ReturnType<typeof decideOpenAccount>;

// #region open
/**
 * Opening reads the events of the customer name's tag (only an opening carries it), and an opening already
 * stored under this account id. It is guarded by the name's tag alone: an opening of the same account id
 * racing this one is the store's to catch (one event id, stored once).
 */
export const openQuery = ({ result, nameTag }: Opening): Query<BankEvent> => [
  { tags: [nameTag] },
  { types: ['AccountOpened'], tags: [accountTag(result.accountId)] },
];
export const openCondition = ({ nameTag }: Opening): Query<BankEvent> => [{ tags: [nameTag] }];

export interface OpenState {
  readonly eventId: string;
  readonly customerTag: string;
  /** The opening stored under this account id's event id: a retry of this request, or the id used for another. */
  readonly stored: { readonly data: AccountOpened['data']; readonly tags: readonly string[] } | undefined;
  /** An event carries the name's tag: a customer of this name has an account. */
  readonly nameTaken: boolean;
}

const sameOpening = (stored: NonNullable<OpenState['stored']>, { event, result }: Opening) =>
  (Object.keys(result) as (keyof AccountOpenedResult)[]).every((key) => stored.data[key] === result[key]) &&
  stored.tags.length === (event.tags ?? []).length &&
  stored.tags.every((tag, i) => tag === event.tags?.[i]);

/**
 * As the store orders its own checks: a request whose event is already stored with the same content is a
 * replay, the same account id with other details `OPERATION_ID_REUSED`, and only then a taken name
 * `DUPLICATE_CUSTOMER_NAME`.
 */
export const openAccountDecision = defineBankDecision<Opening, OpenState, AccountOpenedResult>({
  name: 'open-account',
  query: openQuery,
  condition: openCondition,
  initialState: ({ result, nameTag }) => ({ eventId: operationEventId('open', result.accountId), customerTag: nameTag, stored: undefined, nameTaken: false }),
  evolve: (state, event) => ({
    ...state,
    stored: state.stored ?? (event.type === 'AccountOpened' && event.id === state.eventId ? { data: event.data, tags: event.tags } : undefined),
    nameTaken: state.nameTaken || event.tags.includes(state.customerTag),
  }),
  decide: (opening, { stored, nameTaken }) => {
    if (stored) {
      if (!sameOpening(stored, opening)) throw reusedAccountId(opening);
      return { kind: 'replay', result: opening.result };
    }
    const { customerName } = opening.result;
    if (nameTaken) throw new RuleViolationError('DUPLICATE_CUSTOMER_NAME', `a customer named "${customerName}" already has an account`, { customerName });
    return { kind: 'append', events: [opening.event], result: opening.result };
  },
  reused: reusedAccountId,
});
// #endregion open

function reusedAccountId({ result: { accountId } }: Opening): RuleViolationError {
  return new RuleViolationError('OPERATION_ID_REUSED', `account ${accountId} was already opened with other details`, { accountId });
}
