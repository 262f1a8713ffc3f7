import { describe, expect, it } from 'vitest';
import { Lanes } from './lanes.js';

describe('Lanes', () => {
  it("starts an idle key's command at once, and the next one on that key only after it", async () => {
    const lanes = new Lanes();
    const order: string[] = [];
    let release!: () => void;
    const first = lanes.run('k', async () => {
      order.push('first starts');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first ends');
    });
    const second = lanes.run('k', async () => {
      order.push('second starts');
    });
    const other = lanes.run('other', async () => {
      order.push('other starts');
    });
    expect(order).toEqual(['first starts', 'other starts']); // synchronously, before any await
    release();
    await Promise.all([first, second, other]);
    expect(order).toEqual(['first starts', 'other starts', 'first ends', 'second starts']);
    expect(lanes.size).toBe(0);
  });

  it('turns a command that throws before returning its promise into a rejection, and frees the key', async () => {
    const lanes = new Lanes();
    const boom = new Error('boom');
    await expect(lanes.run('k', () => { throw boom; })).rejects.toBe(boom);
    expect(lanes.size).toBe(0);
    await expect(lanes.run('k', async () => 'next')).resolves.toBe('next');
  });
});
