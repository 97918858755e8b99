import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { route, type ScoredItem } from '../../src/drift/materiality.js';
import { Materiality } from '../../src/packs/schema.js';
import { buildDigestIssue, isDigestFor, newlyTicked, parseDigestChecks } from '../../src/report/digest-issue.js';
import { buildDriftCheck, DRIFT_CHECK_NAME } from '../../src/report/drift-check.js';
import { buildRemediationPr, driftBranch, parseRemediationState } from '../../src/report/remediation-pr.js';
import { change, detect, fixture, RUNBOOK } from './helpers.js';

const doc = fixture('runbook-payments.md');
const thresholds = Materiality.parse({});
const source = { repo: 'acme/payments-api', number: 42, sha: 'abcdef1234567' };

async function runbookItems() {
  const c = change(
    { 'package.json': '{"scripts":{"deploy:prod":"node d.js","db:migrate":"knex"}}', 'src/a.ts': '' },
    { 'package.json': '{"scripts":{"release:prod":"node d.js"}}', 'src/a.ts': 'process.env.PAYMENTS_TIMEOUT_MS' },
  );
  return (await detect(c, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }, { type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }])).items;
}

describe('PuddleJumper / drift check run', () => {
  it('neutral with drift, with the patch preview as a unified diff and notices on the PR lines', async () => {
    const routed = route(await runbookItems(), 'runbook', thresholds);
    const payload = buildDriftCheck([{ packId: 'payments', packName: 'Payments', testMode: false, docTarget: RUNBOOK, routed }], 'h'.repeat(40))!;
    expect(payload.name).toBe(DRIFT_CHECK_NAME);
    expect(payload.conclusion).toBe('neutral');
    expect(payload.title).toBe('3 drift items in 1 doc');
    expect(payload.summary).toContain('```diff\n--- a/runbooks/payments.md\n+++ b/runbooks/payments.md');
    expect(payload.summary).toContain('+3. Deploy to production with `npm run release:prod` and watch the dashboards.');
    expect(payload.summary).toContain('| notify | 0.900 | critical | `instruction.script-removed` |');
    expect(payload.annotations.map((a) => [a.path, a.start_line, a.annotation_level, a.title])).toEqual([
      ['package.json', 1, 'notice', 'Documentation drift: instruction.script-renamed'],
      ['src/a.ts', 1, 'notice', 'Documentation drift: env_var.undocumented'],
    ]);
    expect(payload.annotations[1]!.message).toContain('(acme/docs/runbooks/payments.md:16)');
  });

  it('success without drift, null without a Track B pack, [test mode] in the title', () => {
    const empty = route([], 'runbook', thresholds);
    expect(buildDriftCheck([], 'h')).toBeNull();
    const ok = buildDriftCheck([{ packId: 'p', packName: 'P', testMode: true, docTarget: RUNBOOK, routed: empty }], 'h')!;
    expect(ok.conclusion).toBe('success');
    expect(ok.title).toBe('[test mode] No documentation drift');
  });

  it('never fails, whatever the items, and stays under the size limit', async () => {
    const items = await runbookItems();
    await fc.assert(
      fc.property(fc.array(fc.record({ i: fc.nat(items.length - 1), conf: fc.double({ min: 0, max: 1, noNaN: true }), cls: fc.constantFrom('breaking', 'behavioral', 'additive', 'cosmetic' as const), fp: fc.string() }), { maxLength: 300 }), (picks) => {
        const list = picks.map((p) => ({ ...items[p.i]!, confidence: p.conf, changeClass: p.cls, fingerprint: p.fp, message: 'x'.repeat(300) }));
        const payload = buildDriftCheck([{ packId: 'p', packName: 'P', testMode: false, docTarget: RUNBOOK, routed: route(list, 'readme', thresholds) }], 'h', 20_000)!;
        expect(payload.conclusion === 'neutral' || payload.conclusion === 'success').toBe(true);
        expect(payload.summary.length).toBeLessThanOrEqual(20_000);
      }),
      { numRuns: 50 },
    );
  });
});

describe('remediation PR', () => {
  const entries = async (): Promise<Array<ScoredItem & { sources: (typeof source)[] }>> => {
    const r = route(await runbookItems(), 'runbook', thresholds);
    return [...r.auto, ...r.notify, ...r.digest].map((s) => ({ ...s, sources: [source] }));
  };

  it('one branch per doc; the body lists every item with source PR and evidence; the state parses back', async () => {
    const list = await entries();
    const pr = buildRemediationPr({ packId: 'payments', packName: 'Payments', docKey: 'github:acme/docs:runbooks/payments.md', docTarget: RUNBOOK, entries: list });
    expect(pr.branch).toBe('puddlejumper/drift/runbooks-payments-md');
    expect(driftBranch({ system: 'confluence', id: '12345' })).toBe('puddlejumper/drift/confluence-12345');
    expect(pr.title).toBe('docs: fix 3 drift items in runbooks/payments.md');
    expect(pr.body).toContain('Source changes: acme/payments-api#42');
    expect(pr.body).toContain('### Fixed in this pull request (2)');
    expect(pr.body).toContain('### Needs a person (1)');
    expect(pr.body).toContain('- Evidence: `package.json:1` (base), `package.json:1` (head), `runbooks/payments.md:27` (doc)');
    const state = parseRemediationState(pr.body)!;
    expect(state).toEqual(pr.state);
    expect(state.items.map((i) => i.fingerprint).sort()).toEqual(list.map((e) => e.item.fingerprint).sort());
    expect(state.items.every((i) => i.sources[0]!.number === 42)).toBe(true);
  });

  it('a stopped PR says so; the state survives a body over the limit; a damaged state is undefined', async () => {
    const list = await entries();
    const huge = list.map((e) => ({ ...e, item: { ...e.item, message: 'y'.repeat(40_000) } }));
    const pr = buildRemediationPr({ packId: 'p', packName: 'P', docKey: 'k', docTarget: RUNBOOK, entries: huge, stoppedAt: '2026-12-02T00:00:00.000Z' });
    expect(pr.body.length).toBeLessThanOrEqual(65_536);
    expect(pr.body).toContain('Edited — PuddleJumper stopped updating it');
    expect(parseRemediationState(pr.body)?.stoppedAt).toBe('2026-12-02T00:00:00.000Z');
    expect(parseRemediationState(pr.body.replace(/drift-remediation (\S{10})/, 'drift-remediation x$1'))).toBeUndefined();
    expect(parseRemediationState('no state here')).toBeUndefined();
  });
});

describe('digest issue', () => {
  it('one checkbox per item grouped by doc; ticks parse back; below-digest and closed items are visible', async () => {
    const r = route(await runbookItems(), 'runbook', thresholds);
    const all = [...r.notify, ...r.digest].map((s) => ({ ...s, sources: [source] }));
    const [first, second, third] = all;
    const issue = buildDigestIssue({
      repo: 'acme/payments-api',
      packId: 'payments',
      docs: [{ docTarget: RUNBOOK, entries: [first!], below: [second!], closed: [{ ...third!, closedReason: 'pr-closed' }] }],
    });
    expect(issue.title).toBe('PuddleJumper: documentation drift');
    expect(isDigestFor(issue.body, 'acme/payments-api', 'payments')).toBe(true);
    expect(isDigestFor(issue.body, 'acme/payments-api', 'other')).toBe(false);
    expect(issue.body).toContain('### `acme/docs/runbooks/payments.md`');
    expect(issue.body).toContain('1 below the digest threshold');
    expect(issue.body).toContain('remediation PR closed without merging');
    const boxes = parseDigestChecks(issue.body);
    expect([...boxes]).toEqual([
      [first!.item.fingerprint, false],
      [second!.item.fingerprint, false],
    ]);
    const edited = issue.body.replace(`- [ ] <!-- pj-item:${second!.item.fingerprint} -->`, `- [x] <!-- pj-item:${second!.item.fingerprint} -->`);
    expect(newlyTicked(issue.body, edited)).toEqual([second!.item.fingerprint]);
    expect(newlyTicked(edited, edited)).toEqual([]);
    expect(issue.empty).toBe(false);
  });

  it('is empty (to be closed) when nothing is open', () => {
    const issue = buildDigestIssue({ repo: 'a/b', packId: 'p', docs: [] });
    expect(issue.empty).toBe(true);
    expect(issue.body).toContain('Nothing left');
  });
});
