import { describe, expect, it } from 'vitest';
import { DatabaseTimeoutError } from '../../errors.js';
import { WriteLock } from './write-lock.js';

describe('WriteLock', () => {
  it('serves waiters first come, first served, handing the lock straight on', async () => {
    const lock = new WriteLock();
    expect(lock.tryAcquire()).toBe(true);
    expect(lock.tryAcquire()).toBe(false);
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) => lock.acquire(0).then(() => order.push(n)));
    lock.release();
    await waiters[0];
    expect(lock.tryAcquire()).toBe(false); // handed to the next waiter, never free in between
    lock.release();
    lock.release();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
    lock.release();
    expect(lock.tryAcquire()).toBe(true);
  });

  it('gives up after the timeout with DatabaseTimeoutError 55P03, and leaves the queue', async () => {
    const lock = new WriteLock();
    lock.tryAcquire();
    await expect(lock.acquire(5)).rejects.toBeInstanceOf(DatabaseTimeoutError);
    lock.release();
    expect(lock.tryAcquire()).toBe(true);
  });
});
