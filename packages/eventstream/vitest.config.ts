import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.unit.test.ts', 'test/**/*.int.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // Integration files open many real connections and time-sensitive loops: one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
