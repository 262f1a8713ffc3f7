import type { EventShape } from '@tally/eventstore';
import type { Decision } from './decision.js';
import { InvalidDecisionError } from './errors.js';

/**
 * Defines a decision of the event union `E` for commands `Cmd`, folding into `State`.
 * @example
 * const withdraw = defineDecision<BankEvent, { accountId: string; amount: number }, { balance: number }>({
 *   name: 'withdraw',
 *   query: (cmd) => [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: [`account:${cmd.accountId}`] }],
 *   condition: (cmd) => [{ types: ['MoneyWithdrawn'], tags: [`account:${cmd.accountId}`] }],
 *   initialState: () => ({ balance: 0 }),
 *   evolve: (s, e) => (e.type === 'MoneyDeposited' ? { balance: s.balance + e.data.amount } : { balance: s.balance - e.data.amount }),
 *   decide: (cmd, s) => {
 *     if (s.balance < cmd.amount) reject('INSUFFICIENT_FUNDS', { balance: s.balance });
 *     return [{ type: 'MoneyWithdrawn', data: cmd, tags: [`account:${cmd.accountId}`] }];
 *   },
 * });
 * @throws {InvalidDecisionError} when a part is missing
 */
export function defineDecision<E extends EventShape, Cmd, State>(definition: Decision<E, Cmd, State>): Decision<E, Cmd, State> {
  const d = definition as Partial<Decision<E, Cmd, State>>;
  if (typeof d.name !== 'string' || d.name.trim() === '') throw new InvalidDecisionError('a decision needs a non-empty name');
  for (const part of ['query', 'initialState', 'evolve', 'decide'] as const) {
    if (typeof d[part] !== 'function') throw new InvalidDecisionError(`decision "${d.name}": ${part} must be a function`);
  }
  if (d.condition !== undefined && typeof d.condition !== 'function') {
    throw new InvalidDecisionError(`decision "${d.name}": condition must be a function (or omitted)`);
  }
  if (d.snapshots !== undefined && (!Number.isSafeInteger(d.snapshots.every) || d.snapshots.every < 1)) {
    throw new InvalidDecisionError(`decision "${d.name}": snapshots.every must be a positive integer`);
  }
  return Object.freeze({ ...definition });
}
