import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two projects: `vitest run --project unit` never starts or contacts PostgreSQL (no global setup);
    // `int` gets one server per run from the global setup.
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.unit.test.ts'] } },
      { extends: true, test: { name: 'int', include: ['test/**/*.int.test.ts'], globalSetup: ['./test/global-setup.ts'] } },
    ],
    // The HTTP concurrency test opens many connections: one file at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
