import { randomUUID } from 'node:crypto';
import { isErased } from '@tally/eventstore';
import { tablesContaining } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Projector } from '@tally/projections';
import type { Bank } from '../src/bank.js';
import { customerTag } from '../src/domain/events.js';
import { setupBank } from './helpers.js';

let bank: Bank;
let url: string;
let projector: Projector;
beforeAll(async () => {
  const setup = await setupBank();
  bank = setup.bank;
  url = setup.database.url;
  projector = await bank.startProjector();
});
afterAll(() => projector.stop());

describe('erasing a customer', () => {
  it('removes the name from every read path, the read models and the database bytes; balances, and the other side of a transfer, stay', async () => {
    // Naive versions caught: the name stored in plaintext, or in the `customer:` tag (the table scan finds it
    // before and after), and a view without onErase (bank_accounts keeps the name after the erasure).
    const [adaName, bobName] = [`Ada Erasable ${randomUUID().slice(0, 6)}`, `Bob Keeps ${randomUUID().slice(0, 6)}`];
    const ada = await bank.openAccount({ customerName: adaName, initialDeposit: 100_00 });
    const bob = await bank.openAccount({ customerName: bobName });
    await bank.transfer({ fromAccountId: ada.accountId, toAccountId: bob.accountId, amount: 25_00, transferId: randomUUID() });
    await projector.waitForCatchUp();
    expect((await bank.getAccount(ada.accountId)).customerName).toBe(adaName);
    // Before the erasure only the read model holds the name (its copy for display); the events never do.
    expect(await tablesContaining(url, adaName)).toEqual(['public.bank_accounts']);

    const erasure = await bank.eraseCustomer(ada.accountId, { erasedBy: 'test' });
    expect(erasure.alreadyErased).toBe(false);
    for (let i = 0; i < 100 && (await bank.getAccount(ada.accountId)).customerName !== null; i++) await new Promise((r) => setTimeout(r, 50));
    await projector.waitForCatchUp();

    const view = await bank.getAccount(ada.accountId);
    expect(view).toMatchObject({ customerName: null, balance: 75_00, status: 'open' });
    expect((await bank.getStatement(ada.accountId, new Date())).account).toMatchObject({ customerName: null, balance: 75_00 });
    expect((await bank.getAccount(bob.accountId)).customerName).toBe(bobName);
    const { events } = await bank.store.read();
    const text = JSON.stringify(events, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    expect(text).not.toContain(adaName);
    const opened = events.find((e) => e.type === 'AccountOpened' && e.data.accountId === ada.accountId);
    expect(opened?.type === 'AccountOpened' && isErased(opened.data.customerName)).toBe(true);
    expect(await tablesContaining(url, adaName)).toEqual([]);
    expect(await tablesContaining(url, bobName)).toEqual(['public.bank_accounts']);
    expect((await bank.listAccounts()).map((a) => a.customerName)).toContain(bobName);

    // The account goes on: money moves; the erased name's tag still keeps the name unique.
    await bank.deposit({ accountId: ada.accountId, amount: 5_00, depositId: randomUUID() });
    await expect(bank.openAccount({ customerName: adaName })).rejects.toMatchObject({ code: 'DUPLICATE_CUSTOMER_NAME' });
    expect((await bank.store.read([{ tags: [await customerTag(bank.store, adaName)] }])).events).toHaveLength(1);
    expect(await bank.eraseCustomer(ada.accountId)).toMatchObject({ alreadyErased: true, sequence: erasure.sequence });
  });
});
