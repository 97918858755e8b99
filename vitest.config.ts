import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // One file at a time: several suites run real servers, SMTP, worker threads and timeouts on
    // loopback, and two cores shared between them made retry timings flaky.
    fileParallelism: false,
  },
});
