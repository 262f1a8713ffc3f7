import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { EventIdConflictError } from '../src/index.js';
import { closeAll, setupStore } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
beforeAll(async () => {
  ctx = await setupStore();
});

const deposit = (id: string, accountId: string, amount: number) =>
  ({ id, type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;

async function count(): Promise<number> {
  return (await ctx.store.read()).events.length;
}

describe('idempotent retry with caller-chosen ids', () => {
  it('a retried batch returns the stored positions and writes nothing', async () => {
    const batch = [deposit(randomUUID(), 'i1', 5), deposit(randomUUID(), 'i1', 7)];
    const first = await ctx.store.append(batch);
    const before = await count();
    const retry = await ctx.store.append(batch, { metadata: { correlationId: 'retry' } });
    expect(retry).toEqual({ positions: first.positions, ids: first.ids, schemaVersions: first.schemaVersions, lastPosition: first.lastPosition, duplicate: true });
    expect(await count()).toBe(before);
  });

  it('a retry of a conditional append succeeds even though its condition no longer holds', async () => {
    const query = [{ types: ['MoneyDeposited' as const], tags: ['account:i2'] }];
    const { head } = await ctx.store.read(query);
    const event = deposit(randomUUID(), 'i2', 1);
    const first = await ctx.store.append([event], { condition: { query, after: head } });
    const retry = await ctx.store.append([event], { condition: { query, after: head } });
    expect(retry.duplicate).toBe(true);
    expect(retry.positions).toEqual(first.positions);
  });

  it('the same id with different content is an EventIdConflictError, and nothing is written', async () => {
    const id = randomUUID();
    await ctx.store.append([deposit(id, 'i3', 5)]);
    const before = await count();
    const error = await ctx.store.append([deposit(id, 'i3', 6)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventIdConflictError);
    expect(error).toMatchObject({ code: 'EVENT_ID_CONFLICT', eventId: id });
    expect(await count()).toBe(before);
  });

  it('a batch mixing stored and new ids is a conflict, and nothing is written', async () => {
    const stored = deposit(randomUUID(), 'i4', 5);
    await ctx.store.append([stored]);
    const before = await count();
    await expect(ctx.store.append([stored, deposit(randomUUID(), 'i4', 9)])).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
    expect(await count()).toBe(before);
  });

  it('ten clients retrying the same batch at once store it once', async () => {
    const clients = ctx.clients(10);
    onTestFinished(() => closeAll(clients));
    const batch = [deposit(randomUUID(), 'i5', 1), deposit(randomUUID(), 'i5', 2)];
    const results = await Promise.all(clients.map((c) => c.append(batch)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.positions.join(',')))).toHaveProperty('size', 1);
    expect((await ctx.store.read([{ tags: ['account:i5'] }])).events).toHaveLength(2);
  });
});
