import { describe, expect, it } from 'vitest';
import { envReadsIn } from '../../src/drift/detectors/env-var.js';
import { applyPatch, applyPatches } from '../../src/drift/item.js';
import { change, detect, fixture, lineOf } from './helpers.js';

const doc = fixture('runbook-payments.md');
const BASE = 'export const db = process.env.PAYMENTS_DB_URL;\nconst r = process.env["PAYMENTS_RETRY_LIMIT"];\n';

describe('env_var detector on an env table', () => {
  it('adds a row for a variable the code now reads, after the last row, with the exact text', async () => {
    const c = change({ 'src/config.ts': BASE }, { 'src/config.ts': `${BASE}const t = Number(process.env.PAYMENTS_TIMEOUT_MS ?? 5000);\n` });
    const { items } = await detect(c, doc, [{ type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }]);
    expect(items).toHaveLength(1);
    const it = items[0]!;
    expect(it.rule).toBe('env_var.undocumented');
    expect(it.subject).toBe('PAYMENTS_TIMEOUT_MS');
    expect(it.changeClass).toBe('additive');
    expect(it.evidence).toEqual([
      { file: 'src/config.ts', line: 3, side: 'head' },
      { file: 'runbooks/payments.md', line: lineOf(doc, '| Variable |'), side: 'doc' },
    ]);
    expect(applyPatch(doc, it.patch!)).toBe(
      doc.replace('| `LOG_LEVEL` | `info` | Log verbosity |\n', '| `LOG_LEVEL` | `info` | Log verbosity |\n| `PAYMENTS_TIMEOUT_MS` |  | _read by `src/config.ts`; describe it_ |\n'),
    );
  });

  it('removes the row of a variable no changed file reads any more', async () => {
    const c = change({ 'src/config.ts': BASE }, { 'src/config.ts': 'export const db = process.env.PAYMENTS_DB_URL;\n' });
    const { items } = await detect(c, doc, [{ type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }]);
    expect(items.map((i) => i.rule)).toEqual(['env_var.gone']);
    expect(items[0]!.docLine).toBe(lineOf(doc, '| `PAYMENTS_RETRY_LIMIT`'));
    expect(items[0]!.evidence[0]).toEqual({ file: 'src/config.ts', line: 2, side: 'base' });
    expect(applyPatch(doc, items[0]!.patch!)).toBe(doc.replace('| `PAYMENTS_RETRY_LIMIT` | `3` | Retries for a failed capture |\n', ''));
  });

  it('renames the row when one variable replaces another in the same file', async () => {
    const c = change({ 'src/config.ts': BASE }, { 'src/config.ts': BASE.replace('PAYMENTS_RETRY_LIMIT', 'PAYMENTS_MAX_RETRIES') });
    const { items } = await detect(c, doc, [{ type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }]);
    expect(items.map((i) => i.rule)).toEqual(['env_var.renamed']);
    expect(applyPatch(doc, items[0]!.patch!)).toBe(doc.replace('| `PAYMENTS_RETRY_LIMIT` |', '| `PAYMENTS_MAX_RETRIES` |'));
  });

  it('filters by prefix and by ignore patterns; several new rows apply together in order', async () => {
    const head = `${BASE}const a = process.env.PAYMENTS_A;\nconst b = process.env.PAYMENTS_B;\nconst i = process.env.PAYMENTS_INTERNAL_X;\nconst o = process.env.OTHER;\n`;
    const c = change({ 'src/config.ts': BASE }, { 'src/config.ts': head });
    const { items, ignored } = await detect(c, doc, [{ type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }], undefined, { ignorePatterns: ['^PAYMENTS_INTERNAL_'] });
    expect(items.map((i) => i.subject)).toEqual(['PAYMENTS_A', 'PAYMENTS_B']);
    expect(ignored.map((i) => i.subject)).toEqual(['PAYMENTS_INTERNAL_X']);
    const { text, conflicts } = applyPatches(doc, items.map((i) => i.patch!));
    expect(conflicts).toEqual([]);
    expect(text).toContain('| `LOG_LEVEL` | `info` | Log verbosity |\n| `PAYMENTS_A` |  | _read by `src/config.ts`; describe it_ |\n| `PAYMENTS_B` |');
  });

  it('is not a rename when a file lost two variables and gained one; a row naming two variables is flagged, not removed; ignore drops a name', async () => {
    const table = '# Svc\n\n## Config\n\n| Variable | Meaning |\n| --- | --- |\n| `SVC_A`, `SVC_B` | pair |\n| `SVC_C` | c |\n| `SVC_D` | d |\n';
    const base = 'process.env.SVC_A;\nprocess.env.SVC_C;\nprocess.env.SVC_D;\n';
    const c = change({ 'src/a.ts': base }, { 'src/a.ts': 'process.env.SVC_E;\n' });
    const { items } = await detect(c, table, [{ type: 'env_var', config: { ignore: ['SVC_D'] } }]);
    expect(items.map((i) => [i.rule, i.subject, i.patch !== null])).toEqual([
      ['env_var.undocumented', 'SVC_E', true],
      ['env_var.gone', 'SVC_A', false],
      ['env_var.gone', 'SVC_C', true],
    ]);
    expect(items[1]!.message).toContain('its row names other variables too: not removed');
  });

  it('prefers the table between env-vars markers over the first Name table', async () => {
    const text = '# Svc\n\n| Name | Owner |\n| --- | --- |\n| api | @a |\n\n<!-- puddlejumper:env-vars -->\n| Name | Meaning |\n|---|---|\n| `SVC_URL` | where |\n<!-- /puddlejumper:env-vars -->\n';
    const c = change({ 'app.py': 'import os\nu = os.environ["SVC_URL"]\n' }, { 'app.py': 'import os\nu = os.environ["SVC_URL"]\nk = os.getenv("SVC_KEY")\n' });
    const { items } = await detect(c, text, [{ type: 'env_var' }]);
    expect(items).toHaveLength(1);
    expect(applyPatch(text, items[0]!.patch!)).toContain('| `SVC_URL` | where |\n| `SVC_KEY` | _read by `app.py`; describe it_ |\n<!-- /puddlejumper:env-vars -->');
  });

  it('says so when the doc has no env table (no patch)', async () => {
    const c = change({ 'main.go': 'package main\n' }, { 'main.go': 'package main\nvar u = os.Getenv("SVC_URL")\n' });
    const { items } = await detect(c, '# Svc\n\nNothing here.\n', [{ type: 'env_var' }]);
    expect(items.map((i) => [i.rule, i.subject, i.patch])).toEqual([['env_var.no-table', 'SVC_URL', null]]);
  });

  it('reads every supported form', () => {
    const text = [
      'process.env.A_ONE',
      "process.env['A_TWO']",
      'const { A_THREE, A_FOUR } = process.env',
      "os.environ['A_FIVE']",
      "os.environ.get('A_SIX')",
      "os.getenv('A_SEVEN')",
      'System.getenv("A_EIGHT")',
      'os.Getenv("A_NINE")',
      "ENV['A_TEN']",
      "ENV.fetch('A_ELEVEN')",
    ].join('\n');
    expect([...envReadsIn('x.ts', text, 'head').keys()].sort()).toEqual(['A_EIGHT', 'A_ELEVEN', 'A_FIVE', 'A_FOUR', 'A_NINE', 'A_ONE', 'A_SEVEN', 'A_SIX', 'A_TEN', 'A_THREE', 'A_TWO']);
    expect([...envReadsIn('.env.example', '# comment\nA_URL=http://x\nexport A_KEY=\n', 'head')]).toEqual([
      ['A_URL', { file: '.env.example', line: 2, side: 'head' }],
      ['A_KEY', { file: '.env.example', line: 3, side: 'head' }],
    ]);
  });
});
