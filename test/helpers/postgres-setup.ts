// setupFile of the `postgres` project: skips every test, saying why, when the test
// server could not start; closes the file's databases at the end.
import { afterAll, beforeEach } from 'vitest';
import { closeTestDatabases, postgresUnavailable } from './test-db.js';

beforeEach((ctx) => {
  const reason = postgresUnavailable();
  if (reason) ctx.skip(`Postgres unavailable: ${reason}`);
});

afterAll(async () => {
  await closeTestDatabases();
});
