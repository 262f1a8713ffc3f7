import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { verifyStep } from '../src/demo/verify-step.js';
import { setupBank } from './helpers.js';

/**
 * The demo's tamper-evidence step on a real bank: after a scenario, every event is sealed and verified; after a
 * superuser edits a sealed event with the triggers disabled, the same step throws and names the position.
 * Fails on a step that only counts events (the edit would pass).
 */
const { database, bank } = await setupBank();

describe('the demo’s verify step', () => {
  it('checks every event of the bank, then refuses a log edited behind the triggers', async () => {
    await bank.migrate();
    const a = await bank.openAccount({ customerName: 'Grace Hopper', initialDeposit: 10_00 });
    await bank.deposit({ accountId: a.accountId, amount: 5_00, depositId: 'dep-verify-1' });
    const lines: string[] = [];
    const audit = await verifyStep(bank.store, (line) => lines.push(line));
    const { events } = await bank.store.read();
    expect(audit).toMatchObject({ ok: true, checked: events.length, unsealed: 0 });
    expect(lines.at(-1)).toContain(`${events.length} events checked`);

    // The next audit, anchored on the head the first one printed, after more business.
    await bank.withdraw({ accountId: a.accountId, amount: 2_00, withdrawalId: 'wd-verify-1' });
    const next = await verifyStep(bank.store, () => {}, audit.head);
    expect(next).toMatchObject({ ok: true, checked: events.length + 1, unsealed: 0 });

    const target = events.at(-1)!.position;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`BEGIN; ALTER TABLE tally.events DISABLE TRIGGER ALL;
        UPDATE tally.events SET data = jsonb_set(data, '{amount}', '500000') WHERE position = ${target};
        ALTER TABLE tally.events ENABLE TRIGGER ALL; COMMIT`);
    } finally {
      await admin.end();
    }
    await expect(verifyStep(bank.store, () => {}, audit.head)).rejects.toThrow(`altered at position ${target}`);
  });
});
