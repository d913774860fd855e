import { defineConfig } from 'vitest/config';

/**
 * The tests start real Redis, RabbitMQ and Postgres, fork worker processes and measure: they run one file at a
 * time, in a forked process each, so that no two compete for the host's cores or its services. Timeouts are
 * generous because hosts differ by 2× in speed; the tests bound their own waits.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
  },
});
