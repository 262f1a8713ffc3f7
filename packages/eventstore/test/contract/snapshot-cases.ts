import { describe, expect, it } from 'vitest';
import type { DecisionSnapshot } from '../../src/index.js';
import { accountQuery, uniqueKey, type SharedStore } from './fixtures.js';

export function snapshotCases(shared: SharedStore): void {
  describe('decision snapshots', () => {
    it('saves and loads a snapshot per decision and key; an older one (fewer events) never replaces a newer one', async () => {
      const { store } = shared;
      const key = uniqueKey('snap');
      const { head } = await store.read(accountQuery(key));
      expect(await store.loadSnapshot('balance', key)).toBeUndefined();
      const state = { balance: 10, seen: ['a'] };
      const snapshot: DecisionSnapshot = { decision: 'balance', key, version: 'v1', state, position: 5n, head, events: 3n };
      await store.saveSnapshot(snapshot);
      state.balance = 99; // the store kept a copy
      expect(await store.loadSnapshot('balance', key)).toEqual({ ...snapshot, state: { balance: 10, seen: ['a'] } });
      expect(await store.loadSnapshot('balance', uniqueKey('snap-other'))).toBeUndefined();
      expect(await store.loadSnapshot('other-decision', key)).toBeUndefined();

      await store.saveSnapshot({ ...snapshot, state: { balance: 1 }, events: 2n });
      await store.saveSnapshot({ ...snapshot, state: { balance: 2 }, events: 3n });
      expect((await store.loadSnapshot('balance', key))?.state).toEqual({ balance: 10, seen: ['a'] });
      await store.saveSnapshot({ ...snapshot, state: { balance: 4 }, position: 8n, events: 4n });
      expect(await store.loadSnapshot('balance', key)).toMatchObject({ state: { balance: 4 }, position: 8n, events: 4n });
      // Another version of the fold replaces it whatever it counted.
      await store.saveSnapshot({ ...snapshot, version: 'v2', state: { total: 0 }, events: 1n });
      expect(await store.loadSnapshot('balance', key)).toMatchObject({ version: 'v2', state: { total: 0 }, events: 1n });
    });
  });
}
