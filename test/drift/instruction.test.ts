import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../src/drift/item.js';
import { change, detect, fixture, lineOf } from './helpers.js';

const doc = fixture('runbook-payments.md');

const pkg = (scripts: Record<string, string>) => JSON.stringify({ name: 'payments', scripts }, null, 2);
const BASE_PKG = pkg({ 'deploy:prod': 'node scripts/deploy.js --env prod', 'db:migrate': 'knex migrate:latest', test: 'vitest' });
const HEAD_PKG = pkg({ 'release:prod': 'node scripts/deploy.js --env prod', test: 'vitest' });

function runbookChange() {
  return change(
    { 'package.json': BASE_PKG, Dockerfile: 'FROM node:20\nEXPOSE 8080\n', 'scripts/deploy.sh': '#!/bin/sh\n' },
    { 'package.json': HEAD_PKG, Dockerfile: 'FROM node:20\nEXPOSE 9090\n', 'scripts/release.sh': '#!/bin/sh\n' },
    [
      { path: 'package.json', status: 'modified' },
      { path: 'Dockerfile', status: 'modified' },
      { path: 'scripts/release.sh', previousPath: 'scripts/deploy.sh', status: 'renamed' },
    ],
  );
}

describe('instruction detector on a runbook', () => {
  it('replaces a renamed npm script in the target section only (not in the skip region, not in another section)', async () => {
    const { items } = await detect(runbookChange(), doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    const renamed = items.find((i) => i.rule === 'instruction.script-renamed')!;
    expect(renamed.subject).toBe('deploy:prod');
    expect(renamed.section).toBe('Payments service runbook > Deployment Steps');
    expect(renamed.docLine).toBe(lineOf(doc, '3. Deploy to production'));
    expect(renamed.evidence).toEqual([
      { file: 'package.json', line: 4, side: 'base' },
      { file: 'package.json', line: 4, side: 'head' },
      { file: 'runbooks/payments.md', line: lineOf(doc, '3. Deploy to production'), side: 'doc' },
    ]);
    const at = doc.indexOf('deploy:prod` and watch');
    expect(renamed.patch!.edits).toEqual([{ start: at, end: at + 'deploy:prod'.length, replacement: 'release:prod' }]);
    const patched = applyPatch(doc, renamed.patch!);
    expect(patched).toBe(doc.replace('`npm run deploy:prod` and watch', '`npm run release:prod` and watch'));
    // The skipped legacy note and the Troubleshooting section keep the old name.
    expect(patched).toContain('Legacy notes: `npm run deploy:prod` used to need a VPN.');
    expect(patched).toContain('run `npm run deploy:prod -- --dry-run`');
    expect(renamed.patch!.diff).toContain('-3. Deploy to production with `npm run deploy:prod` and watch the dashboards.');
    expect(renamed.patch!.diff).toContain('+3. Deploy to production with `npm run release:prod` and watch the dashboards.');
    expect(renamed.patch!.diff).toMatch(new RegExp(`^@@ -${lineOf(doc, '3. Deploy') - 3},7 \\+${lineOf(doc, '3. Deploy') - 3},7 @@$`, 'm'));
    expect(renamed.changeClass).toBe('behavioral');
  });

  it('flags a removed script with no patch, pointing at the fenced block', async () => {
    const { items } = await detect(runbookChange(), doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    const removed = items.find((i) => i.rule === 'instruction.script-removed')!;
    expect(removed.subject).toBe('db:migrate');
    expect(removed.patch).toBeNull();
    expect(removed.changeClass).toBe('breaking');
    expect(removed.docLine).toBe(lineOf(doc, 'npm run db:migrate'));
    expect(removed.evidence[0]).toEqual({ file: 'package.json', line: 5, side: 'base' });
  });

  it('replaces a file git renamed and a port the Dockerfile changed (in code spans and in a URL)', async () => {
    const { items } = await detect(runbookChange(), doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    const path = items.find((i) => i.rule === 'instruction.path-renamed')!;
    expect(applyPatch(doc, path.patch!)).toBe(doc.replace('`scripts/deploy.sh`', '`scripts/release.sh`'));
    const port = items.find((i) => i.rule === 'instruction.port-renamed')!;
    expect(port.evidence.slice(0, 2)).toEqual([
      { file: 'Dockerfile', line: 2, side: 'base' },
      { file: 'Dockerfile', line: 2, side: 'head' },
    ]);
    expect(applyPatch(doc, port.patch!)).toBe(doc.replace('port `8080`: `curl http://localhost:8080/healthz`', 'port `9090`: `curl http://localhost:9090/healthz`'));
    expect(items.map((i) => i.rule).sort()).toEqual(['instruction.path-renamed', 'instruction.port-renamed', 'instruction.script-removed', 'instruction.script-renamed']);
  });

  it('without a sectionTarget reads the whole doc, except the skip region', async () => {
    const { items } = await detect(runbookChange(), doc, [{ type: 'instruction' }]);
    const renamed = items.find((i) => i.rule === 'instruction.script-renamed')!;
    expect(renamed.patch!.edits).toHaveLength(2);
    const patched = applyPatch(doc, renamed.patch!);
    expect(patched).toContain('run `npm run release:prod -- --dry-run`');
    expect(patched).toContain('Legacy notes: `npm run deploy:prod`');
  });

  it('finds make targets renamed with the same recipe', async () => {
    const text = '# Ops\n\n## Build\n\nRun `make image` then `make -j2 image push`.\n';
    const c = change({ Makefile: 'image:\n\tdocker build -t acme/payments .\npush:\n\tdocker push acme/payments\n' }, { Makefile: 'build-image:\n\tdocker build -t acme/payments .\npush:\n\tdocker push acme/payments\n' });
    const { items } = await detect(c, text, [{ type: 'instruction', sectionTarget: 'Build' }]);
    expect(items).toHaveLength(1);
    expect(items[0]!.rule).toBe('instruction.make-target-renamed');
    expect(items[0]!.evidence[0]).toEqual({ file: 'Makefile', line: 1, side: 'base' });
    expect(applyPatch(text, items[0]!.patch!)).toBe('# Ops\n\n## Build\n\nRun `make build-image` then `make -j2 build-image push`.\n');
  });

  it('finds yarn and pnpm scripts and a renamed image', async () => {
    const text = '# Deploy\n\n```sh\nyarn build\npnpm run lint\ndocker run acme/payments:1.4\n```\n';
    const c = change(
      { 'package.json': pkg({ build: 'tsc', lint: 'eslint .' }), 'compose.yaml': 'services:\n  api:\n    image: acme/payments:1.4\n' },
      { 'package.json': pkg({ compile: 'tsc', lint: 'eslint .' }), 'compose.yaml': 'services:\n  api:\n    image: acme/payments-api:1.5\n' },
    );
    const { items } = await detect(c, text, [{ type: 'instruction' }]);
    expect(items.map((i) => i.rule).sort()).toEqual(['instruction.image-renamed', 'instruction.script-renamed']);
    const image = items.find((i) => i.rule === 'instruction.image-renamed')!;
    expect(applyPatch(text, image.patch!)).toContain('docker run acme/payments-api:1.4');
    const script = items.find((i) => i.rule === 'instruction.script-renamed')!;
    expect(applyPatch(text, script.patch!)).toContain('yarn compile\npnpm run lint');
  });

  it('a missing section is a clear item, not a pass over the whole doc', async () => {
    const { items } = await detect(runbookChange(), doc, [{ type: 'instruction', sectionTarget: 'Rollout' }]);
    expect(items).toHaveLength(1);
    expect(items[0]!.rule).toBe('problem.section-missing');
    expect(items[0]!.message).toContain('has no section "Rollout"');
    expect(items[0]!.message).toContain('"Deployment Steps"');
  });

  it('reports a package.json that is not JSON and still checks the rest', async () => {
    const c = change({ 'package.json': BASE_PKG, 'scripts/deploy.sh': 'x' }, { 'package.json': '{ "scripts": ', 'scripts/release.sh': 'x' }, [
      { path: 'package.json', status: 'modified' },
      { path: 'scripts/release.sh', previousPath: 'scripts/deploy.sh', status: 'renamed' },
    ]);
    const { items } = await detect(c, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    expect(items.map((i) => i.rule).sort()).toEqual(['instruction.path-renamed', 'problem.source-unreadable']);
    expect(items.find((i) => i.rule === 'problem.source-unreadable')!.message).toContain('package.json is not valid JSON');
  });
});
