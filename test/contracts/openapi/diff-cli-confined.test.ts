// `pj diff` with specs outside the working directory (issue 9 item 8): relative $refs are
// read only inside the spec's repository (git top level, or the spec's folder outside git),
// and symlinks that leave it are refused. And the size limit is a flag (issue 14).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runDiff } from '../../../src/cli/diff.js';

let work: string;
let elsewhere: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'pj-diff-confined-'));
  elsewhere = mkdtempSync(join(tmpdir(), 'pj-diff-cwd-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDiff(argv, { out: (text) => out.push(text), err: (text) => err.push(text), cwd: elsewhere });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A spec whose one response schema is `ref`. */
function spec(ref: string, version = '1.0.0'): string {
  return `openapi: 3.0.3
info: { title: T, version: ${version} }
paths:
  /things:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: '${ref}' }
`;
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('pj diff: $refs stay inside the spec repository', () => {
  it('refuses a relative $ref that climbs out of the spec folder (outside git), naming the $ref', async () => {
    write(join(work, 'secret.yaml'), 'type: object\nproperties: { password: { type: string, description: hunter2 } }\n');
    const base = write(join(work, 'api', 'base.yaml'), spec('../secret.yaml'));
    const head = write(join(work, 'api', 'head.yaml'), spec('../secret.yaml'));
    const { code, out, err } = await run(base, head);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(`${base}:11:`);
    expect(err).toContain("$ref ../secret.yaml refused");
    expect(err).toContain("outside the spec's repository");
  });

  it('refuses /etc/passwd reached through ../ from a spec given by absolute path', async () => {
    const climb = '../'.repeat(30) + 'etc/passwd';
    const base = write(join(work, 'base.yaml'), spec(climb));
    const { code, err } = await run(base, base);
    expect(code).toBe(2);
    expect(err).toContain('refused');
    expect(err).not.toContain('root:');
  });

  it('refuses a symlink inside the folder that points out of it', async () => {
    write(join(work, 'outside', 'schema.yaml'), 'type: string\n');
    mkdirSync(join(work, 'api'));
    symlinkSync(join(work, 'outside', 'schema.yaml'), join(work, 'api', 'schema.yaml'));
    const base = write(join(work, 'api', 'base.yaml'), spec('./schema.yaml'));
    const { code, err } = await run(base, base);
    expect(code).toBe(2);
    expect(err).toContain('through a symlink');
  });

  it('follows refs anywhere inside the git repository of the spec, and symlinks that stay inside', async () => {
    execFileSync('git', ['init', '-q', work]);
    write(join(work, 'schemas', 'thing.yaml'), 'type: object\nproperties: { id: { type: string } }\n');
    mkdirSync(join(work, 'api'));
    symlinkSync(join(work, 'schemas', 'thing.yaml'), join(work, 'api', 'linked.yaml'));
    const base = write(join(work, 'api', 'base.yaml'), spec('../schemas/thing.yaml'));
    const head = write(join(work, 'api', 'head.yaml'), spec('./linked.yaml', '1.1.0'));
    const { code, err } = await run(base, head, '--format', 'json');
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});

describe('pj diff --max-size', () => {
  it('refuses a spec over the limit naming --max-size, and reads it with a larger one', async () => {
    write(join(work, 'thing.yaml'), 'type: object\n');
    const base = write(join(work, 'base.yaml'), spec('./thing.yaml'));
    const head = write(join(work, 'head.yaml'), spec('./thing.yaml') + '# ' + 'x'.repeat(2_000) + '\n');
    const small = await run(base, head, '--max-size', '1000');
    expect(small.code).toBe(2);
    expect(small.err).toMatch(/spec is \d+ bytes, over the 1000 bytes limit \(raise it with --max-size BYTES\)$/);
    expect((await run(base, head, '--max-size', '100000')).code).toBe(0);
    expect((await run(base, head, '--max-size', 'lots')).err).toContain('--max-size lots: expected a positive whole number of bytes');
    expect((await run('--help')).out).toContain('--max-size');
  });
});
