import { describe, expect, it } from 'vitest';
import { runDiff } from '../../../src/cli/diff.js';
import { FIXTURES } from './helpers.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDiff(argv, { out: (text) => out.push(text), err: (text) => err.push(text), cwd: FIXTURES });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('pj diff', () => {
  it('prints text with file:line and exits 1 when an ERR is found', async () => {
    const { code, out, err } = await run('paths/base.yaml', 'paths/head.yaml');
    expect(code).toBe(1);
    expect(err).toBe('');
    expect(out).toContain('paths/head.yaml:6:3: ERR api-removed-without-deprecation: POST /pets:');
    expect(out).toMatch(/6 change\(s\): 3 ERR, 0 WARN, 3 INFO$/);
  });

  it('reads Swagger 2.0 and points at the 2.0 file\'s lines', async () => {
    const { code, out, err } = await run('swagger2/base.yaml', 'swagger2/head.yaml');
    expect([code, err]).toEqual([1, '']);
    expect(out).toContain('swagger2/head.yaml:215:5: ERR request-parameter-max-decreased: GET /pet/findByStatus: query parameter limit: maximum decreased from 100 to 50');
    expect((await run('swagger2/base.yaml', 'swagger2/base.yaml')).out).toBe('No API changes.');
  });

  it('prints JSON records with id, level, method, path, message and source', async () => {
    const { code, out } = await run('paths/base.yaml', 'paths/head.yaml', '--format', 'json');
    expect(code).toBe(1);
    const records = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(6);
    expect(records.find((record) => record['id'] === 'endpoint-added')).toEqual({
      id: 'endpoint-added', level: 'INFO', method: 'GET', path: '/stores',
      message: expect.stringContaining('GET /stores') as unknown as string,
      source: { file: 'paths/head.yaml', line: 26 },
    });
  });

  it('prints a markdown table', async () => {
    const { code, out } = await run('responses/base.yaml', 'responses/head.yaml', '--format=markdown');
    expect(code).toBe(1);
    expect(out).toContain('| Level | Rule | Endpoint | Where | Message |');
    expect(out).toContain('| ERR | `response-success-status-removed` | `DELETE /pets/{id}` | responses/head.yaml:32 |');
  });

  it('exits 0 when nothing reaches --fail-on, and 1 for WARN with --fail-on WARN', async () => {
    expect((await run('security/base.yaml', 'security/head.yaml')).code).toBe(0);
    const same = await run('paths/base.yaml', 'paths/base.yaml');
    expect([same.code, same.out]).toEqual([0, 'No API changes.']);
    const warnOnly = await run('parameters/base.yaml', 'parameters/head.yaml', '--fail-on', 'WARN', '--format', 'json');
    expect(warnOnly.code).toBe(1);
    const onlyWarnings = await run('responses/base.yaml', 'responses/head.yaml', '--fail-on', 'WARN');
    expect(onlyWarnings.code).toBe(1);
  });

  it('follows relative $refs next to each file', async () => {
    const { out } = await run('file-refs/base/openapi.yaml', 'file-refs/head/openapi.yaml', '--format', 'json');
    const records = JSON.parse(out) as Array<{ source: { file: string; line: number } }>;
    expect(records.map((record) => record.source)).toContainEqual({ file: 'file-refs/head/schemas/owner.yaml', line: 4 });
  });

  it('exits 2 with one line on usage errors', async () => {
    for (const argv of [['only-one.yaml'], ['a', 'b', '--format', 'xml'], ['a', 'b', '--fail-on', 'INFO'], ['a', 'b', '--bogus']]) {
      const { code, err, out } = await run(...argv);
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err.split('\n')).toHaveLength(1);
      expect(err).toMatch(/^pj diff: .*\(see pj diff --help\)$/);
    }
  });

  it('exits 2 on an unreadable or unparsable spec, naming the place', async () => {
    const missing = await run('paths/base.yaml', 'nope.yaml');
    expect([missing.code, missing.err]).toEqual([2, 'pj diff: cannot read nope.yaml: ENOENT']);
    const broken = await run('paths/base.yaml', 'parse-error/head.yaml');
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^pj diff: parse-error\/head\.yaml:11:1: /);
  });

  it('prints help and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toContain('Usage: pj diff BASE HEAD');
  });
});
