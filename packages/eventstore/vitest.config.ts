import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.unit.test.ts', 'test/**/*.unit.test.ts', 'test/**/*.int.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // Integration files open many real connections (50 racing appenders): run them one at a time so the
    // machine's PostgreSQL (max_connections 100) is never exhausted.
    fileParallelism: false,
    execArgv: ['--expose-gc'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
