import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start loopback servers and child processes; two cores on every machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
