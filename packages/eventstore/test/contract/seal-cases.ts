import { describe, expect, it } from 'vitest';
import type { VerifyOptions } from '../../src/index.js';
import { deposit, uniqueKey, type SharedStore } from './fixtures.js';

/**
 * `seal()` and `verify()` as every store has them: sealing is idempotent, verify counts what is sealed and what
 * is not, ranges count only their positions, bad options are typed errors. (Tampering needs PostgreSQL and a
 * superuser: `tamper-evidence.int.test.ts`.)
 */
export function sealCases(shared: SharedStore): void {
  describe('seal and verify', () => {
    it('seals every committed event once: a second seal() seals nothing; verify() checks them all', async () => {
      const { store } = shared;
      const a = uniqueKey('seal');
      const { positions } = await store.append([deposit(a), deposit(a, 20)]);
      const first = await store.seal();
      expect(first.sealed).toBeGreaterThanOrEqual(2);
      expect((await store.seal()).sealed).toBe(0);
      const total = (await store.read()).events.length;
      const result = await store.verify();
      expect(result).toMatchObject({ ok: true, checked: total, unsealed: 0 });
      expect(result.firstBroken).toBeUndefined();
      expect(result.sealedThrough).toEqual(first.sealedThrough);
      // A range counts its own positions only.
      expect(await store.verify({ from: positions[0]!, to: positions[1]! })).toMatchObject({ ok: true, checked: 2, unsealed: 0 });
    });

    it('counts events appended after the last seal as unsealed, not checked, until the next seal()', async () => {
      const { store } = shared;
      await store.seal();
      const { positions } = await store.append([deposit(uniqueKey('unsealed'))]);
      const range = { from: positions[0]!, to: positions[0]! };
      expect(await store.verify(range)).toMatchObject({ ok: true, checked: 0, unsealed: 1 });
      expect((await store.seal()).sealed).toBe(1);
      expect(await store.verify(range)).toMatchObject({ ok: true, checked: 1, unsealed: 0 });
    });

    it.each<[string, unknown]>([
      ['a negative from', { from: -1n }],
      ['a number for to', { to: 5 }],
      ['a head of another form', { expectedHead: 'not-a-head' }],
      ['from past to', { from: 5n, to: 4n }],
    ])('refuses %s with INVALID_OPTION', async (_, options) => {
      await expect(shared.store.verify(options as VerifyOptions)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    });
  });
}
