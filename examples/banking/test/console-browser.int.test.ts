import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, freePort, type TestDatabase } from '@tally/test-harness';
import { sql } from 'kysely';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBank, type Bank } from '../src/bank.js';

/**
 * The projector's web console in a real browser: Debian's Chromium (no browser download; `.ci/run` installs it)
 * driven by playwright-core, against a `tally-projector start --http-port` worker running the bank's projections
 * and one that parks a poison deposit. Without /usr/bin/chromium this test fails: it is never skipped.
 */
const chromiumPath = '/usr/bin/chromium';
const TOKEN = 'console-browser-token';
let database: TestDatabase;
let bank: Bank;
let worker: ChildProcess | undefined;
let browser: BrowserContext | undefined;
let output = '';
let base = '';
const shots = mkdtempSync(join(tmpdir(), 'tally-console-browser-'));

beforeAll(async () => {
  database = await createTestDatabase();
  bank = createBank({ connectionString: database.url, maxConnections: 4 });
  await bank.migrate();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  worker = spawn(
    join(process.cwd(), 'node_modules/.bin/tally-projector'),
    ['start', '--config', 'test/fixtures/console-worker.config.ts', '--worker-id', 'console-worker', '--http-port', String(port)],
    { env: { ...process.env, DATABASE_URL: database.url, NODE_OPTIONS: '--import tsx', TALLY_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('"msg":"ready"')) {
    if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`the worker did not start; its output:\n${output}`);
    await sleep(100);
  }
});
afterAll(async () => {
  await browser?.close();
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await once(worker, 'exit');
  }
  await bank?.close();
  await database?.drop();
});

const cellTexts = (page: Page, selector: string) => page.locator(selector).allInnerTexts();

/** Debian's Chromium, or the test fails (a missing browser must not pass as a skip, in CI or elsewhere). */
async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does it${process.env.CI ? ' (CI=true)' : ''}`);
  }
  // A fresh profile: launchPersistentContext passes it as --user-data-dir.
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tally-chromium-')), {
    executablePath: chromiumPath,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

describe('the web console in headless Chromium', () => {
  it('shows the projections, pages through the events, and retries a parked event', async () => {
    browser = await launchChromium();
    // 3 accounts, 20 deposits each (60 + 3 events), one deposit poison for deposit-audit; one name with markup.
    // Each customer's events share a correlationId (as one session's requests would).
    // The markup rides in metadata: the customer's name is personal data, stored (and shown) encrypted.
    const names = ['Ada', 'Bob', 'Eve'];
    const markup = '<script>window.__pwned = 1</script>Eve';
    const accounts = await Promise.all(
      names.map((customerName, k) => bank.openAccount({ customerName }, { correlationId: `session-${k}`, ...(k === 2 ? { note: markup } : {}) })),
    );
    for (let i = 0; i < 20; i++) {
      for (const [k, a] of accounts.entries()) {
        await bank.deposit({ accountId: a.accountId, amount: 100 + i, depositId: i === 7 && k === 1 ? 'poison' : `d-${k}-${i}` }, { correlationId: `session-${k}` });
      }
    }
    const { events } = await bank.store.read();
    const all = events.map((e) => e.position.toString());
    const poison = events.find((e) => e.type === 'MoneyDeposited' && e.data.depositId === 'poison')!;

    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) external.push(r.url());
    });

    // Projections: every one of the worker's, running and owned by it; deposit-audit shows its parked event.
    await page.goto(`${base}/`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const lags = await page.locator('#projections tbody tr td:nth-child(5)').allInnerTexts();
      const parked = await page.locator('tr[data-projection="deposit-audit"] td:nth-child(9)').innerText();
      if (lags.length === 3 && lags.every((l) => l.trim().startsWith('0')) && parked.startsWith('1 parked')) break;
      if (Date.now() > deadline) throw new Error(`projections did not catch up: ${lags.join('|')} ${parked}\n${output}`);
      await sleep(500);
      await page.reload();
    }
    expect(await cellTexts(page, '#projections tbody tr td:nth-child(1)')).toEqual(['bank-accounts', 'bank-statements', 'deposit-audit']);
    expect(await cellTexts(page, '#projections tbody tr td:nth-child(2)')).toEqual(['running', 'running', 'running']);
    expect(await cellTexts(page, '#projections tbody tr td:nth-child(3)')).toEqual(Array(3).fill('console-worker (this worker)'));
    expect(await page.locator('#no-blockers').isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'projections.png'), fullPage: true });

    // Event browser: newest 20, then older pages by keyset, then newer again; the same positions as the store's.
    await page.goto(`${base}/events?limit=20`);
    const positions = () => page.locator('#events tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-position') ?? ''));
    expect(await positions()).toEqual(all.slice(-20));
    await page.click('#older');
    expect(await positions()).toEqual(all.slice(-40, -20));
    await page.click('#older');
    expect(await positions()).toEqual(all.slice(-60, -40));
    await page.click('#newer');
    expect(await positions()).toEqual(all.slice(-40, -20));
    // Filter by type and tag through the form.
    await page.fill('input[name=types]', 'AccountOpened');
    await page.click('form.filter button');
    expect(await positions()).toEqual(events.filter((e) => e.type === 'AccountOpened').map((e) => e.position.toString()));
    await page.fill('input[name=types]', 'MoneyDeposited');
    await page.fill('input[name=tag]', `account:${accounts[1]!.accountId}`);
    await page.click('form.filter button');
    expect((await positions()).length).toBe(20);

    // One event: its data and metadata as text (the <script> in its metadata never runs), the customer's name only
    // as the ciphertext the store keeps, and its correlation chain.
    const opened = events.find((e) => e.type === 'AccountOpened' && e.metadata.note === markup)!;
    await page.goto(`${base}/events/${opened.position}`);
    expect(await page.locator('#metadata').innerText()).toContain(markup);
    expect(await page.evaluate('typeof globalThis.__pwned')).toBe('undefined');
    const shownData = await page.locator('#data').innerText();
    expect(shownData).toContain('tally:enc:');
    expect(shownData).not.toContain('Eve');
    expect(await page.locator('#metadata').innerText()).toContain('"correlationId": "session-2"');
    expect(await page.locator('#correlated tbody tr').count()).toBe(21);
    await page.screenshot({ path: join(shots, 'event.png'), fullPage: true });

    // Parked: the poison deposit with its error; deploy the fix, then retry it from the page with the token.
    await page.goto(`${base}/projections/deposit-audit/parked`);
    const row = page.locator(`#parked tr[data-position="${poison.position}"]`);
    expect(await row.locator('td:nth-child(6)').innerText()).toContain('deposit "poison" cannot be audited <em>yet</em>');
    await page.screenshot({ path: join(shots, 'parked.png'), fullPage: true });
    await sql`INSERT INTO deposit_audit_fix (fixed) VALUES (true)`.execute(bank.db);
    await row.locator('form[action$="/retry"] input[name=token]').fill(TOKEN);
    await row.locator('form[action$="/retry"] button').click();
    await page.waitForLoadState();
    if (!(await page.locator('#notice').count())) throw new Error(`after retry: ${page.url()}\n${await page.locator('main').innerText()}`);
    expect(await page.locator('#notice').innerText()).toMatch(/^\d+ applied, 0 failed again, 0 left in the park\.$/);
    expect(await page.locator('#none-parked').isVisible()).toBe(true);
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM deposit_audit WHERE deposit_id = 'poison'`.execute(bank.db);
    expect(rows[0]!.n).toBe('1');

    expect(dialogs).toEqual([]);
    expect(external).toEqual([]);
    await page.goto(`${base}/`);
    await page.screenshot({ path: join(shots, 'after-retry.png'), fullPage: true });
    console.info(`console screenshots in ${shots}`);
  });
});
