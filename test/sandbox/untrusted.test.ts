// Issue 9 item 4 (off the event loop): untrusted documents are parsed and compared in worker
// threads with a deadline. The pool runs the built worker (dist/src/sandbox/worker.js, as the
// CLI tests run dist/src/cli.js): `npm run build` first.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapiDiffComparator } from '../../src/contracts/comparators/openapi-diff.js';
import { versionBumpComparator } from '../../src/contracts/comparators/openapi-version-bump.js';
import { IN_PROCESS_OPENAPI } from '../../src/contracts/comparators/openapi-shared.js';
import { TooComplexError, type ComparatorContext, type OpenApiEngine } from '../../src/contracts/comparators/types.js';
import { evaluateChange } from '../../src/contracts/evaluate-change.js';
import { SpecParseError } from '../../src/contracts/openapi/index.js';
import { loadPackSet } from '../../src/packs/load-set.js';
import { defaultKnownTypes } from '../../src/usecases/known-types.js';
import { registry } from '../../src/metrics.js';
import { untrustedDocuments, type Untrusted } from '../../src/sandbox/untrusted.js';
import { MemoryChangeSet, validPack } from '../change/fakes.js';
import { isDocProblem, parseDoc, type MarkdownDoc } from '../../src/drift/markdown.js';
import { findMentions } from '../../src/drift/mentions.js';
import { readSpecOps } from '../../src/drift/detectors/api-reference.js';
import { runDrift } from '../../src/drift/run.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/${p}`, import.meta.url), 'utf8');
const BASE = fixture('prs/petstore/base.yaml');
const HEAD = fixture('prs/petstore/head.yaml');
const SPEC = 'openapi/openapi.yaml';
const NOW = new Date('2026-01-01T00:00:00Z');

/** A 1 MB spec whose one mapping has 100,000 keys (issue 9's first attack). */
function manyKeys(n = 100_000): string {
  const lines = ['openapi: 3.0.3', 'info: { title: big, version: 1.0.0 }', 'paths: {}', 'x-big:'];
  for (let i = 0; i < n; i++) lines.push(`  k${i}: ${i}`);
  return lines.join('\n') + '\n';
}

function ctxFor(changes: MemoryChangeSet, files: Awaited<ReturnType<MemoryChangeSet['files']>>, openapi: OpenApiEngine, type = 'openapi.diff'): ComparatorContext {
  const pack = validPack({ trackA: { comparators: [{ type, severity: 'high', config: { spec: SPEC } }], enforcement: { mode: 'block' } } });
  return { changes, files, pack, comparator: pack.pack.trackA!.comparators[0]!, now: NOW, memo: new Map(), openapi };
}

describe('the parse pool', () => {
  let sandbox: Untrusted;
  let tight: Untrusted;
  beforeAll(() => {
    sandbox = untrustedDocuments({ deadlineMs: 20_000, size: 2 });
    // A deadline no real parse of a 1 MB spec meets.
    tight = untrustedDocuments({ deadlineMs: 25, size: 1 });
  });
  afterAll(async () => {
    await sandbox.close();
    await tight.close();
  });

  it('gives the same diff as the engine in this thread, reading $ref files through the main thread', async () => {
    const reads: string[] = [];
    const split = (spec: string) => spec.replace(/\$ref: '#\/components\/schemas\/Pet'/g, "$ref: 'pet.yaml#/Pet'");
    const pet = 'Pet:\n  type: object\n  properties:\n    id: { type: integer }\n';
    const options = {
      readBase: async (p: string) => (reads.push(`base:${p}`), p === 'openapi/pet.yaml' ? pet : undefined),
      readHead: async (p: string) => (reads.push(`head:${p}`), p === 'openapi/pet.yaml' ? pet : undefined),
      now: NOW,
    };
    const base = { path: SPEC, content: split(BASE) };
    const head = { path: SPEC, content: split(HEAD) };
    const inThread = await IN_PROCESS_OPENAPI.diff(base, head, options);
    reads.length = 0;
    const pooled = await sandbox.openapi.diff(base, head, options);
    expect(pooled).toEqual(inThread);
    expect(pooled.changes.length).toBeGreaterThan(0);
    expect(reads).toEqual(expect.arrayContaining(['base:openapi/pet.yaml', 'head:openapi/pet.yaml']));
    expect(await sandbox.openapi.fileSet(head, { read: options.readHead, maxBytes: 1 << 20 })).toEqual(['openapi/openapi.yaml', 'openapi/pet.yaml']);
  });

  it('a spec that does not parse is still a SpecParseError at its line', async () => {
    const broken = { path: SPEC, content: 'openapi: 3.0.3\ninfo: [unclosed\n' };
    const error = await sandbox.openapi.diff(broken, broken, { now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpecParseError);
    expect(error).toMatchObject({ file: SPEC });
    expect((error as SpecParseError).line).toBeGreaterThan(0);
  });

  it('a spec past the deadline costs one worker and is TooComplexError naming the file, counted', async () => {
    const before = (await registry.getSingleMetric('pj_parse_deadline_exceeded_total')!.get()).values.find((v) => v.labels.kind === 'diff')?.value ?? 0;
    const big = { path: SPEC, content: manyKeys() };
    const error = await tight.openapi.diff(big, big, { now: NOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooComplexError);
    expect((error as Error).message).toBe('openapi/openapi.yaml: too complex to compare within 25 ms');
    expect((await registry.getSingleMetric('pj_parse_deadline_exceeded_total')!.get()).values.find((v) => v.labels.kind === 'diff')?.value).toBe(before + 1);
    // (That the terminated worker is replaced and the pool goes on: the spinning-worker test below.)
  });

  it('openapi.diff turns it into a fail-closed finding at the spec; version_bump says it only when no openapi.diff does', async () => {
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: manyKeys() } });
    const files = await changes.files();
    const [finding, ...rest] = await openapiDiffComparator.run(ctxFor(changes, files, tight.openapi));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ ruleId: 'api-spec-too-complex', level: 'ERR', severity: 'high', file: SPEC, line: 1 });
    expect(finding!.message).toMatch(/^openapi\/openapi\.yaml: too complex to compare within 25 ms, so its changes were not checked/);
    const bump = await versionBumpComparator.run(ctxFor(changes, files, tight.openapi, 'openapi.version_bump'));
    expect(bump).toMatchObject([{ ruleId: 'api-spec-too-complex', level: 'ERR', file: SPEC }]);
  });

  it('through evaluateChange: the port reaches the comparators and the PR blocks', async () => {
    const pack = validPack({ trackA: { comparators: [{ type: 'openapi.diff', severity: 'high', config: { spec: SPEC } }], enforcement: { mode: 'block' } } });
    const changes = new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: manyKeys() } });
    const { evaluation } = await evaluateChange(changes, { packs: [pack], services: {}, errors: [] }, NOW, { openapi: tight.openapi });
    expect(evaluation.blocks).toBe(true);
    expect(evaluation.packs[0]!.findings.map((f) => f.ruleId)).toEqual(['api-spec-too-complex']);
    // Without the port: the in-process engine, as `pj check` runs it.
    const inThread = await evaluateChange(new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: HEAD } }), { packs: [pack], services: {}, errors: [] }, NOW);
    expect(inThread.evaluation.packs[0]!.findings.length).toBeGreaterThan(0);
  });

  it("validates a config commit's packs like loadPackSet, and one past the deadline fails closed naming it", async () => {
    const files = [
      { path: 'policy-packs/hello.yml', text: fixture('prs/petstore/pack.yml') },
      { path: 'policy-packs/broken.yml', text: 'id: broken\nname: [\n' },
    ];
    expect(await sandbox.packs(files, 'a'.repeat(40))).toEqual(loadPackSet(files, defaultKnownTypes(), 'a'.repeat(40)));
    // The worst pack, deterministically: a worker that never finishes a file named *spin*.
    const spinning = untrustedDocuments({ deadlineMs: 200, size: 1, script: new URL('./spin-worker.mjs', import.meta.url) });
    try {
      const set = await spinning.packs([files[0]!, { path: 'policy-packs/spin.yml', text: 'id: spin\n' }, { path: 'policy-packs/zz.yml', text: 'id: zz\n' }], 'b'.repeat(40));
      expect(set.sha).toBe('b'.repeat(40));
      expect(set.packs.map((p) => p.valid)).toEqual([false, false, false]);
      const errors = set.packs.flatMap((p) => (p.valid ? [] : p.errors));
      expect(errors).toContainEqual({ file: 'policy-packs/spin.yml', line: 1, column: 1, message: 'too complex to validate within 200 ms (PJ_PARSE_DEADLINE_MS): this pack was not read' });
      expect(errors.find((e) => e.file === 'policy-packs/hello.yml')!.message).toBe('not validated: the packs are validated together and policy-packs/spin.yml was too complex to validate within 200 ms');
      // The spinning worker was terminated and replaced: the next commit is read.
      expect(await spinning.packs([files[0]!], 'c'.repeat(40))).toMatchObject({ sha: 'c'.repeat(40) });
    } finally {
      await spinning.close();
    }
  });

  it("a doc: the worker's parse is the doc the detectors read — the same headings, markers, code, prose, tables and mentions as a parse here", async () => {
    const text = [
      readFileSync(new URL('../../fixtures/drift/docs-repo/runbooks/payments.md', import.meta.url), 'utf8'),
      '## Tables\r\n',
      '| Variable | Meaning |',
      '| --- | --- |',
      '| `PAYMENTS_DB_URL` | the database |',
      '',
      '> <!-- puddlejumper:skip -->',
      '> `deploy:prod` inside a skip',
      '<!-- /puddlejumper:skip -->',
      '<!-- puddlejumper:generated source="openapi.yaml" -->',
      '### Deep *emphasis* `code` title',
      '<!-- puddlejumper:orphan -->',
      '',
    ].join('\n');
    const here = parseDoc('runbooks/payments.md', text) as MarkdownDoc;
    const parsed = await sandbox.markdown('runbooks/payments.md', text);
    expect('doc' in parsed && !isDocProblem(parsed.doc)).toBe(true);
    const there = (parsed as { doc: MarkdownDoc }).doc;
    expect(there.headings).toEqual(here.headings);
    expect(there.headings.map((h) => h.title)).toContain('Deep emphasis code title');
    expect(there.markers).toEqual(here.markers);
    expect(there.problems).toEqual(here.problems);
    expect(there.problems.length).toBeGreaterThan(0);
    expect(there.skips).toEqual(here.skips);
    expect(there.code()).toEqual(here.code());
    expect(there.prose()).toEqual(here.prose());
    expect(there.tables()).toEqual(here.tables());
    expect(there.tables().length).toBeGreaterThan(0);
    for (const subject of ['deploy:prod', 'PAYMENTS_DB_URL', 'npm']) expect(findMentions(there, subject)).toEqual(findMentions(here, subject));
    // What is not Markdown comes back as the same problem.
    expect(await sandbox.markdown('bin.md', 'a\0b')).toEqual({ doc: parseDoc('bin.md', 'a\0b') });
  });

  it('a config commit: each pack parsed once, in the worker, named as it is reached; the one past the deadline is the one named', async () => {
    const lines = ['id: big', 'name: Big', 'scope: { type: workspace }', 'x-big:'];
    for (let i = 0; i < 60_000; i++) lines.push(`  k${i}: ${i}`); // about a second to parse here
    const files = [
      { path: 'policy-packs/z-hello.yml', text: fixture('prs/petstore/pack.yml') },
      { path: 'policy-packs/a-big.yml', text: `${lines.join('\n')}\n` },
      { path: 'policy-packs/services.yml', text: 'payments:\n  repos: [acme/pay]\n' },
    ];
    // The files as loadPackSet reaches them: the catalog, then each pack once, in path order.
    const reached: string[] = [];
    loadPackSet(files, defaultKnownTypes(), undefined, { onFile: (f) => reached.push(f) });
    expect(reached).toEqual(['policy-packs/services.yml', 'policy-packs/a-big.yml', 'policy-packs/z-hello.yml']);
    const quick = untrustedDocuments({ deadlineMs: 200, size: 1 });
    try {
      const set = await quick.packs(files, 'd'.repeat(40));
      const errors = set.packs.flatMap((p) => (p.valid ? [] : p.errors));
      expect(errors).toContainEqual({ file: 'policy-packs/a-big.yml', line: 1, column: 1, message: 'too complex to validate within 200 ms (PJ_PARSE_DEADLINE_MS): this pack was not read' });
      expect(errors.find((e) => e.file === 'policy-packs/z-hello.yml')!.message).toBe('not validated: the packs are validated together and policy-packs/a-big.yml was too complex to validate within 200 ms');
    } finally {
      await quick.close();
    }
  });

  it("Track B's api_reference: a spec's operations read in the worker equal those read here; a spec past the deadline is a problem item naming it", async () => {
    const split = (spec: string) => spec.replace(/\$ref: '#\/components\/schemas\/Pet'/g, "$ref: 'pet.yaml#/Pet'");
    const pet = 'Pet:\n  type: object\n  properties:\n    id: { type: integer }\n';
    const read = async (p: string) => (p === 'openapi/pet.yaml' ? pet : undefined);
    const spec = { path: SPEC, content: split(HEAD) };
    const here = await readSpecOps(spec, read);
    expect(here.length).toBeGreaterThan(0);
    expect(await sandbox.specOps(spec, read)).toEqual(here);
    // Through the drift run, as the app, the test runs and pj drift wire it.
    const doc = `# API\n\n<!-- puddlejumper:api-reference spec=${SPEC} -->\n<!-- /puddlejumper:api-reference -->\n`;
    const run = (specOps: Untrusted['specOps'], head: string) =>
      runDrift({
        changes: new MemoryChangeSet({ base: { [SPEC]: BASE }, head: { [SPEC]: head } }),
        docTarget: { system: 'github', repo: 'acme/docs', path: 'api.md', class: 'api_reference' },
        docText: doc,
        specOps,
        driftTypes: [{ type: 'api_reference', enabled: true, config: {} }],
      });
    expect((await run(sandbox.specOps, HEAD)).items.map((i) => i.rule)).toEqual(['api_reference.regenerated']);
    const { items } = await run(tight.specOps, manyKeys());
    expect(items.map((i) => `${i.rule}: ${i.message}`)).toEqual([`problem.spec-unreadable: ${SPEC} could not be read for the API reference: ${SPEC}: too complex to parse within 25 ms`]);
  });
});
