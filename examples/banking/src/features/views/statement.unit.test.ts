import { describe, expect, it } from 'vitest';
import { storedEvents } from '@tally/eventstore/testing';
import { closed, deposited, history, opened, transferred, withdrawn } from '../../../test/history.js';
import type { BankEvent } from '../../domain/events.js';
import { accountsOf, movementOf, statementLines } from './statement.js';

describe('movementOf', () => {
  it('turns each event about the account into a signed movement (money in positive)', () => {
    const [o, d, w, tOut, tIn, c] = history(
      opened('a1', { initialDeposit: 100 }),
      deposited('a1', 50, 'd-1'),
      withdrawn('a1', 30, 'w-1'),
      transferred('a1', 'a2', 20, 't-1'),
      transferred('a2', 'a1', 5, 't-2'),
      closed('a1'),
    );
    expect(movementOf(o!, 'a1')).toEqual({ kind: 'opening', amount: 100, operationId: null, counterpartyAccountId: null });
    expect(movementOf(d!, 'a1')).toEqual({ kind: 'deposit', amount: 50, operationId: 'd-1', counterpartyAccountId: null });
    expect(movementOf(w!, 'a1')).toEqual({ kind: 'withdrawal', amount: -30, operationId: 'w-1', counterpartyAccountId: null });
    expect(movementOf(tOut!, 'a1')).toEqual({ kind: 'transfer-out', amount: -20, operationId: 't-1', counterpartyAccountId: 'a2' });
    expect(movementOf(tIn!, 'a1')).toEqual({ kind: 'transfer-in', amount: 5, operationId: 't-2', counterpartyAccountId: 'a2' });
    expect(movementOf(c!, 'a1')).toEqual({ kind: 'closing', amount: 0, operationId: null, counterpartyAccountId: null });
  });

  it('returns undefined for events about other accounts', () => {
    for (const event of history(opened('a2'), deposited('a2', 1, 'd'), withdrawn('a2', 1, 'w'), transferred('a2', 'a3', 1, 't'), closed('a2'))) {
      expect(movementOf(event, 'a1')).toBeUndefined();
    }
  });
});

describe('accountsOf', () => {
  it('names the one account of an event, and both accounts of a transfer', () => {
    const [o, t] = history(opened('a1'), transferred('a1', 'a2', 1, 't-1'));
    expect(accountsOf(o!)).toEqual(['a1']);
    expect(accountsOf(t!)).toEqual(['a1', 'a2']);
  });
});

describe('statementLines', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 9, minute));
  const events = storedEvents<BankEvent>(
    [
      opened('a1', { initialDeposit: 100 }),
      opened('a2'),
      deposited('a1', 50, 'd-1'),
      deposited('a2', 999, 'd-2'),
      transferred('a1', 'a2', 120, 't-1'),
      withdrawn('a1', 30, 'w-1'),
      closed('a1'),
    ],
    { startPosition: 10n, occurredAt: at },
  );

  it('numbers the account’s lines from 1 with the running balance, skipping other accounts’ events', () => {
    expect(statementLines('a1', events)).toEqual([
      { seq: 1, position: 10n, occurredAt: at(0), kind: 'opening', amount: 100, balanceAfter: 100, operationId: null, counterpartyAccountId: null },
      { seq: 2, position: 12n, occurredAt: at(2), kind: 'deposit', amount: 50, balanceAfter: 150, operationId: 'd-1', counterpartyAccountId: null },
      { seq: 3, position: 14n, occurredAt: at(4), kind: 'transfer-out', amount: -120, balanceAfter: 30, operationId: 't-1', counterpartyAccountId: 'a2' },
      { seq: 4, position: 15n, occurredAt: at(5), kind: 'withdrawal', amount: -30, balanceAfter: 0, operationId: 'w-1', counterpartyAccountId: null },
      { seq: 5, position: 16n, occurredAt: at(6), kind: 'closing', amount: 0, balanceAfter: 0, operationId: null, counterpartyAccountId: null },
    ]);
  });

  it('gives the counterparty its side of a transfer', () => {
    expect(statementLines('a2', events).map((l) => [l.kind, l.amount, l.balanceAfter, l.counterpartyAccountId])).toEqual([
      ['opening', 0, 0, null],
      ['deposit', 999, 999, null],
      ['transfer-in', 120, 1_119, 'a1'],
    ]);
  });

  it('continues a statement from its last line (what the projection does batch by batch)', () => {
    const all = statementLines('a1', events);
    const firstBatch = statementLines('a1', events.slice(0, 3));
    const last = firstBatch.at(-1)!;
    const rest = statementLines('a1', events.slice(3), { seq: last.seq, balance: last.balanceAfter });
    expect([...firstBatch, ...rest]).toEqual(all);
  });

  it('returns no lines for an account without events', () => {
    expect(statementLines('nobody', events)).toEqual([]);
  });
});
