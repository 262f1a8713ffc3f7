import { randomUUID } from 'node:crypto';
import { createCommandHandler, DecisionConflictError, defineDecision, type CommandHandler, type Decision, type HandlerMode, type SnapshotSettings } from '@tally/decisions';
import { AppendConditionError, type Query } from '@tally/eventstore';
import { v7 as uuidv7 } from 'uuid';
import { accountTag, decisionTypes, deposit as benchDeposit, type TallyBenchEvent } from '../events.js';
import { runClients, type Contender, type OpResult } from '../measure.js';
import type { BenchStore } from '../tally.js';

export interface DepositCmd {
  readonly accountId: string;
}

export interface DepositState {
  readonly count: number;
  readonly balance: number;
}

/** The same query (and condition) as the hand-written read + conditional append of ../tally.ts. */
export const depositQuery = (accountId: string): Query<TallyBenchEvent> => [{ types: decisionTypes, tags: [accountTag(accountId)] }];

/**
 * One deposit to an account, numbered: its amount is the number of deposits before it + 1, so a decide that ran on
 * a state missing an earlier deposit shows as two deposits with one number. Never rejects.
 */
export function depositDecision(name: string, snapshots?: SnapshotSettings): Decision<TallyBenchEvent, DepositCmd, DepositState> {
  return defineDecision<TallyBenchEvent, DepositCmd, DepositState>({
    name,
    query: (cmd) => depositQuery(cmd.accountId),
    initialState: () => ({ count: 0, balance: 0 }),
    evolve: (s, e) => (e.type === 'MoneyDeposited' ? { count: s.count + 1, balance: s.balance + e.data.amount } : s),
    decide: (cmd, s) => [
      { type: 'MoneyDeposited', data: { accountId: cmd.accountId, amount: s.count + 1, depositId: randomUUID() }, tags: [accountTag(cmd.accountId)] },
    ],
    ...(snapshots ? { snapshots } : {}),
  });
}

/** The decision of the throughput scenarios (no snapshots). */
export const deposit = depositDecision('bench-deposit');

const maxAttempts = 20;

/** One `handle` as one client operation: a decision made, and its failed attempts as conflicts. */
async function handleOnce(handler: CommandHandler<TallyBenchEvent>, accountId: string, gaveUp: { n: number }): Promise<OpResult> {
  try {
    const result = await handler.handle(deposit, { accountId }, { metadata: { correlationId: randomUUID() } });
    return { events: 1, conflicts: result.attempts - 1 };
  } catch (error) {
    if (!(error instanceof DecisionConflictError)) throw error;
    gaveUp.n += 1;
    return { events: 0, conflicts: maxAttempts };
  }
}

/** The account holds exactly `decided` deposits numbered 1…n. */
export async function checkNumbered(store: BenchStore, accountId: string, decided: number): Promise<string> {
  const { events } = await store.read(depositQuery(accountId));
  const bad = events.filter((e, i) => e.data.amount !== i + 1).length;
  return events.length === decided && bad === 0 ? 'ok' : `account has ${events.length} events for ${decided} decisions, ${bad} out of sequence`;
}

export interface RoundCheck {
  readonly round: number;
  readonly check: string;
  readonly gaveUp: number;
}

/**
 * Every client on one account (a fresh one each round) through `handle()`: `perClient` gives each client a handler
 * of its own (no in-process lane between them: they meet in the database), else all share one handler (its lane
 * queues them and carries the state from one to the next).
 */
export function hotHandle(label: string, store: BenchStore, mode: HandlerMode, perClient: boolean, clients: number, onCheck: (c: RoundCheck) => void): Contender {
  const handlers = Array.from({ length: perClient ? clients : 1 }, () => createCommandHandler(store, { mode, maxAttempts }));
  const slug = `${mode}-${perClient ? 'own' : 'shared'}`;
  return {
    label,
    round: async (durationMs, round) => {
      const accountId = `dhot-${slug}-${round < 0 ? 'warmup' : round}-${Date.now()}`;
      const gaveUp = { n: 0 };
      const result = await runClients(clients, durationMs, (client) => handleOnce(handlers[perClient ? client : 0]!, accountId, gaveUp));
      onCheck({ round, check: await checkNumbered(store, accountId, result.events), gaveUp: gaveUp.n });
      return result;
    },
  };
}

/** Each client on its own 100 accounts (`<prefix>-<client>-<n>`), as `tallyConditionalDistinct`, through one handler. */
export function distinctHandle(label: string, store: BenchStore, mode: HandlerMode, clients: number, prefix: string): Contender {
  const handler = createCommandHandler(store, { mode, maxAttempts });
  const gaveUp = { n: 0 };
  return {
    label,
    round: (durationMs) => runClients(clients, durationMs, (client, i) => handleOnce(handler, `${prefix}-${client}-${i % 100}`, gaveUp)),
  };
}

/**
 * The hand-written read + conditional append of `tallyConditionalDistinct`, with each event given an id (a uuidv7,
 * as `handle()` gives every event it appends): the store then checks the ids before inserting. Splits the gap
 * between `handle()` and the hand-written loop into the id check and the rest.
 */
export function distinctHandWrittenWithIds(label: string, store: BenchStore, clients: number, prefix: string): Contender {
  return {
    label,
    round: (durationMs) =>
      runClients(clients, durationMs, async (client, i) => {
        const accountId = `${prefix}-${client}-${i % 100}`;
        const query = depositQuery(accountId);
        const { head } = await store.read(query);
        const event = benchDeposit(accountId, i);
        try {
          await store.append([{ ...event, id: uuidv7() }], { condition: { query, after: head } });
          return { events: 1 };
        } catch (error) {
          if (error instanceof AppendConditionError) return { events: 0, conflicts: 1 };
          throw error;
        }
      }),
  };
}
