import { describe, expect, it } from 'vitest';
import { lockHash, planLocks } from './lock-keys.js';
import type { PreparedEvent } from './validation.js';

const event = (type: string, tags: string[], data: unknown = {}): PreparedEvent => ({ id: undefined, type, data, tags, metadata: {} });
const keysOf = (plan: { keys: string[]; exclusive: boolean[] }, exclusive: boolean) =>
  new Set(plan.keys.filter((_, i) => plan.exclusive[i] === exclusive));

describe('planLocks', () => {
  const types = ['A', 'B', 'C'];
  const tags = ['t1', 't2', 't3'];
  const events: PreparedEvent[] = [];
  for (const type of types) {
    for (let mask = 0; mask < 1 << tags.length; mask++) {
      events.push(event(type, tags.filter((_, i) => mask & (1 << i))));
    }
  }
  const items = [
    { types: ['A'] },
    { types: ['A', 'B'] },
    { tags: ['t2'] },
    { tags: ['t3', 't1'] },
    { types: ['C'], tags: ['t1', 't2'] },
    {}, // data-only item
  ];
  const matches = (e: PreparedEvent, item: { types?: string[]; tags?: string[] }) =>
    (!item.types || item.types.includes(e.type)) && (!item.tags || item.tags.every((t) => e.tags.includes(t)));

  it('every event a condition item can match shares a key with it (taken exclusively)', () => {
    for (const item of items) {
      const conditionKeys = keysOf(planLocks('s', [event('Z', [])], [item], 256), true);
      for (const e of events.filter((candidate) => matches(candidate, item))) {
        const writerKeys = keysOf(planLocks('s', [e], undefined, 256), false);
        const shared = [...writerKeys].some((k) => conditionKeys.has(k));
        expect(shared, `${JSON.stringify(item)} vs ${e.type} ${e.tags.join(',')}`).toBe(true);
      }
    }
  });

  it('a bulk batch takes the bulk key exclusively, which every condition holds shared', () => {
    const bulk = Array.from({ length: 300 }, (_, i) => event('A', [`tag-${i}`]));
    const plan = planLocks('s', bulk, undefined, 256);
    expect(plan.keys.length).toBeLessThan(5);
    const bulkKey = lockHash('s', 'bulk').toString();
    expect(keysOf(plan, true).has(bulkKey)).toBe(true);
    const condition = planLocks('s', [event('A', [])], [{ tags: ['tag-1'] }], 256);
    expect(keysOf(condition, false).has(bulkKey)).toBe(true);
  });

  it('orders keys ascending and takes each once, exclusive winning', () => {
    const plan = planLocks('s', [event('A', ['x']), event('A', ['x', 'y'])], [{ tags: ['x'] }, { types: ['A'] }], 256);
    const values = plan.keys.map(BigInt);
    expect([...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(values);
    expect(new Set(plan.keys).size).toBe(plan.keys.length);
    expect(plan.exclusive[plan.keys.indexOf(lockHash('s', 'tag:x').toString())]).toBe(true);
    expect(plan.exclusive[plan.keys.indexOf(lockHash('s', 'type:A').toString())]).toBe(true);
  });

  it('keys differ between schemas', () => {
    expect(lockHash('a', 'tag:x')).not.toBe(lockHash('b', 'tag:x'));
  });
});
