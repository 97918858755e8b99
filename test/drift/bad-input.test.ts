// Bad input gives a clear item, never a throw, and the rest of the signal is still processed.
import { describe, expect, it } from 'vitest';
import type { ChangedFile } from '../../src/change/changeset.js';
import { MemoryChangeSet } from '../change/fakes.js';
import { change, detect, fixture, RUNBOOK } from './helpers.js';

const doc = fixture('runbook-payments.md');
const pkg = (scripts: Record<string, string>) => JSON.stringify({ scripts }, null, 2);
const renameChange = () => change({ 'package.json': pkg({ 'deploy:prod': 'x' }) }, { 'package.json': pkg({ 'release:prod': 'x' }) });

describe('bad input', () => {
  it('a doc that does not exist', async () => {
    const { items } = await detect(renameChange(), undefined, [{ type: 'instruction' }]);
    expect(items.map((i) => [i.rule, i.message])).toEqual([['problem.doc-missing', 'runbooks/payments.md does not exist in acme/docs: nothing was checked for drift']]);
  });

  it('a doc over 1 MB', async () => {
    const big = `# Big\n\n${'filler text for a very long page\n'.repeat(40_000)}`;
    const { items } = await detect(renameChange(), big, [{ type: 'instruction' }]);
    expect(items).toHaveLength(1);
    expect(items[0]!.rule).toBe('problem.doc-too-large');
    expect(items[0]!.message).toMatch(/runbooks\/payments\.md is 1\.\d MB, over the 1\.0 MB limit/);
  });

  it('binary content instead of Markdown', async () => {
    const { items } = await detect(renameChange(), '# x\n\0\0PNG', [{ type: 'instruction' }]);
    expect(items.map((i) => [i.rule, i.docLine])).toEqual([['problem.doc-not-text', 2]]);
  });

  it('malformed Markdown: unclosed fences, an unclosed skip marker, a stray closing marker — reported, the rest still checked', async () => {
    const text = [
      '# Runbook',
      '',
      '## Deployment Steps',
      '',
      'Run `npm run deploy:prod`.',
      '',
      '<!-- /puddlejumper:api-reference -->',
      '',
      '<!-- puddlejumper:skip -->',
      '',
      '```sh',
      'npm run deploy:prod',
      '| broken | table',
      '|---',
    ].join('\n');
    const { items } = await detect(renameChange(), text, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    const rules = items.map((i) => i.rule).sort();
    expect(rules).toEqual(['instruction.script-renamed', 'problem.marker-unclosed', 'problem.marker-unopened']);
    expect(items.find((i) => i.rule === 'problem.marker-unclosed')!.message).toContain('everything after it is skipped');
    // The mention after the unclosed skip marker is not patched; the one before is.
    expect(items.find((i) => i.rule === 'instruction.script-renamed')!.patch!.edits).toHaveLength(1);
  });

  it('a 3000-file change: every detector runs, findings in file 2999 are found', async () => {
    const base: Record<string, string> = {};
    const head: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) {
      base[`src/mod${i}.ts`] = `export const v${i} = ${i};\n`;
      head[`src/mod${i}.ts`] = `export const v${i} = ${i + 1};\n`;
    }
    head['src/mod2999.ts'] = 'export const t = process.env.PAYMENTS_TIMEOUT_MS;\n';
    const { items, filesConsidered } = await detect(new MemoryChangeSet({ base, head }), doc, [{ type: 'instruction' }, { type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }, { type: 'owner' }]);
    expect(filesConsidered).toBe(3000);
    expect(items.map((i) => [i.rule, i.subject])).toEqual([['env_var.undocumented', 'PAYMENTS_TIMEOUT_MS']]);
  });

  it('a change list cut at the host limit says so, and still reports what it saw', async () => {
    const c = new MemoryChangeSet({ base: { 'package.json': pkg({ 'deploy:prod': 'x' }) }, head: { 'package.json': pkg({ 'release:prod': 'x' }) }, truncated: true });
    const { items } = await detect(c, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    expect(items.map((i) => i.rule).sort()).toEqual(['instruction.script-renamed', 'problem.change-truncated']);
  });

  it('a detector that fails (the host errors on a read) is one item; the other detectors still run', async () => {
    const c = change({ 'package.json': pkg({ a: 'x' }), 'src/c.ts': '' }, { 'package.json': pkg({ b: 'x' }), 'src/c.ts': 'process.env.PAYMENTS_NEW' });
    c.readBase = async (path: string) => {
      if (path === 'src/c.ts') throw new Error('GitHub answered 502');
      return c.base[path];
    };
    const { items } = await detect(c, doc, [{ type: 'env_var' }, { type: 'instruction' }]);
    expect(items.map((i) => [i.type, i.rule])).toEqual([['env_var', 'problem.detector-failed']]);
    expect(items[0]!.message).toBe('the env_var detector failed: GitHub answered 502');
  });

  it('an invalid detector config and an invalid ignore pattern are reported, not applied silently', async () => {
    const { items } = await detect(renameChange(), doc, [{ type: 'env_var', config: { prefixes: ['lower'] } }, { type: 'instruction', sectionTarget: 'Deployment Steps' }], RUNBOOK, { ignorePatterns: ['(unclosed'] });
    expect(items.map((i) => i.rule).sort()).toEqual(['instruction.script-renamed', 'problem.config-invalid', 'problem.ignore-pattern-invalid']);
    expect(items.find((i) => i.rule === 'problem.config-invalid')!.message).toContain('prefixes.0 must be an environment-variable prefix');
  });

  it('ignorePaths: changes there never make drift', async () => {
    const c = change({ 'test/setup.ts': '' }, { 'test/setup.ts': 'process.env.PAYMENTS_TEST_ONLY' });
    const { items, filesConsidered } = await detect(c, doc, [{ type: 'env_var' }], RUNBOOK, { ignorePaths: ['test/**'] });
    expect(filesConsidered).toBe(0);
    expect(items).toEqual([]);
  });

  it('a very deeply nested doc does not overflow the stack', async () => {
    const nested = `# Deep\n\n${'> '.repeat(5000)}\`npm run deploy:prod\`\n`;
    const { items } = await detect(renameChange(), nested, [{ type: 'instruction' }]);
    expect(items.map((i) => i.rule)).toEqual(['instruction.script-renamed']);
  });

  it('files listed as unchanged are not read', async () => {
    const files: ChangedFile[] = [{ path: 'package.json', status: 'unchanged' }];
    const c = change({ 'package.json': pkg({ a: 'x' }) }, { 'package.json': pkg({ b: 'x' }) }, files);
    const { items } = await detect(c, doc, [{ type: 'instruction' }]);
    expect(items).toEqual([]);
    expect(c.reads).toEqual([]);
  });
});
