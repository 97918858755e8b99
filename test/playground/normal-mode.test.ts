// The playground is reachable only when asked for. In the source: nothing outside
// src/playground imports it but two dynamic imports — main.ts behind PJ_PLAYGROUND=1 and the
// `pj playground` command. At run time: the built app started as production starts it
// (dist/src/main.js with App credentials) answers none of the playground's routes and no
// playground GitHub listens; with PJ_PLAYGROUND=1 the same entry plays the story.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testPrivateKey } from '../helpers/server.js';

const MAIN = 'dist/src/main.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Runs the built entry with exactly `env` (plus PATH); resolves once `ready` matches its output. */
function start(env: Record<string, string>, ready: RegExp, timeoutMs: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const seen = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
}

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const c of running.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }
});

describe('the playground in normal mode', () => {
  it('is imported outside src/playground only by the two guarded dynamic imports', () => {
    const importers = files('src')
      .filter((f) => !relative('src', f).startsWith('playground'))
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?:import|from)\s*\(?\s*'([^']*playground[^']*)'/g)].map((m) => `${relative('src', f)}: ${m[0]}`));
    expect(importers).toEqual(["cli.ts: import('./playground/cli.js'", "main.ts: import('./playground/cli.js'"]);
    const main = readFileSync('src/main.ts', 'utf8');
    expect(main).toMatch(/if \(process\.env\.PJ_PLAYGROUND === '1'\) \{\n(?:\s*\/\/[^\n]*\n)*\s*const \{ runPlayground \} = await import\('\.\/playground\/cli\.js'\);/);
  });

  it('the app started as in production serves no playground route and starts no playground GitHub', async () => {
    const port = await freePort();
    const { output } = await start(
      {
        APP_ID: '1',
        PRIVATE_KEY: testPrivateKey(),
        WEBHOOK_SECRET: 'secret',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: join(mkdtempSync(join(tmpdir(), 'pj-normal-')), 'pj.db'),
        LOG_LEVEL: 'info',
      },
      /Listening on/i,
      30_000,
    );
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200); // it is up
    for (const [method, path] of [
      ['GET', '/acme/payments-api/pull/1'],
      ['GET', '/acme/payments-api'],
      ['POST', '/_playground/replay'],
      ['GET', '/api/v3/app'],
      ['POST', '/_sink/slack/api/chat.postMessage'],
      ['POST', '/_sink/hooks/puddlejumper'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method, redirect: 'manual' });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(await listening(port + 1)).toBe(false);
    expect(output()).not.toMatch(/PuddleJumper playground|its GitHub|The story/);
  }, 60_000);

  it('PJ_PLAYGROUND=1 on the same entry (npm start) plays the story and serves the page', async () => {
    const port = await freePort();
    const githubPort = await freePort();
    const { output } = await start({ PJ_PLAYGROUND: '1', PORT: String(port), PJ_PLAYGROUND_PORT: String(githubPort) }, /Replay the story/, 180_000);
    expect(output()).toContain(`its GitHub   http://127.0.0.1:${githubPort}/`);
    expect(output()).toContain('✓ PuddleJumper / contracts: success');
    const page = await fetch(`http://127.0.0.1:${githubPort}/acme/payments-api/pull/1`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Approved by @lena (Team Lead), @dana (Director)');
  }, 200_000);
});
