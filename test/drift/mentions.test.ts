// docTargeting's secondary docs: the mention finder (Markdown nodes, whole tokens, skip
// regions ignored) and the maxDocsPerDrift cap (the primary doc counts as one).
import { describe, expect, it } from 'vitest';
import { findMentions, secondaryMentions } from '../../src/drift/mentions.js';
import { parseDoc, type MarkdownDoc } from '../../src/drift/markdown.js';
import { Materiality, TrackB } from '../../src/packs/schema.js';
import { route } from '../../src/drift/materiality.js';
import { buildDigestIssue, parseDigestChecks } from '../../src/report/digest-issue.js';
import { change, detect, fixture, RUNBOOK } from './helpers.js';

const md = (path: string, text: string) => parseDoc(path, text) as MarkdownDoc;

const ONCALL = md(
  'oncall.md',
  [
    '# On call', // 1
    '', // 2
    'Check `PAYMENTS_DB_URL` first.', // 3
    '', // 4
    'Then run `npm run deploy:prod`. Again: deploy:prod.', // 5
    '', // 6
    '<!-- puddlejumper:skip -->', // 7
    'Old: npm run deploy:prod', // 8
    '<!-- /puddlejumper:skip -->', // 9
    '', // 10
    '| Operation | Note |', // 11
    '| --- | --- |', // 12
    '| `DELETE /pets/{id}` | gone soon |', // 13
    '', // 14
    '```sh', // 15
    'npm run deploy:prod:eu', // 16
    'npm run deploy:prod', // 17
    '```', // 18
    '',
  ].join('\n'),
);

describe('findMentions', () => {
  it('finds the subject in prose, inline code, table cells and code blocks, by line, outside skip regions', () => {
    expect(findMentions(ONCALL, 'deploy:prod')).toEqual([5, 17]);
    expect(findMentions(ONCALL, 'DELETE /pets/{id}')).toEqual([13]);
  });

  it('matches whole tokens only: PAYMENTS_DB is not PAYMENTS_DB_URL', () => {
    expect(findMentions(ONCALL, 'PAYMENTS_DB')).toEqual([]);
    expect(findMentions(ONCALL, 'PAYMENTS_DB_URL')).toEqual([3]);
    expect(findMentions(ONCALL, '  ')).toEqual([]);
  });
});

describe('secondaryMentions', () => {
  const primary = { system: 'github', repo: 'acme/docs', path: 'runbooks/payments.md' };
  const item = { fingerprint: 'f1', subject: 'deploy:prod', docTarget: primary };
  const doc = (path: string, text: string) => ({ target: { system: 'github', repo: 'acme/docs', path }, doc: md(path, text) });
  const docs = [doc('a.md', 'run deploy:prod\n'), doc('b.md', 'nothing here\n'), doc('c.md', '`deploy:prod`\n'), doc('d.md', 'x\n\ndeploy:prod\n')];

  it('primary_first: the docs that mention the subject, in order, at most maxDocsPerDrift - 1 beside the primary', () => {
    const m = secondaryMentions([item], docs, { strategy: 'primary_first', maxDocsPerDrift: 3 }).get('f1')!;
    expect(m.docs.map((d) => [d.target.path, d.lines])).toEqual([
      ['a.md', [1]],
      ['c.md', [1]],
    ]);
    expect(m.omitted).toBe(1);
    const all = secondaryMentions([item], docs, { strategy: 'primary_first', maxDocsPerDrift: 20 }).get('f1')!;
    expect(all.docs.map((d) => d.target.path)).toEqual(['a.md', 'c.md', 'd.md']);
    expect(all.docs[2]!.lines).toEqual([3]);
    expect(all.omitted).toBe(0);
    const one = secondaryMentions([item], docs, { strategy: 'primary_first', maxDocsPerDrift: 1 }).get('f1')!;
    expect(one).toEqual({ docs: [], omitted: 3 });
  });

  it('primary_only lists nothing; an item mentioned nowhere else and the primary doc itself are not listed', () => {
    expect(secondaryMentions([item], docs, { strategy: 'primary_only', maxDocsPerDrift: 3 }).size).toBe(0);
    const self = { target: primary, doc: md('runbooks/payments.md', 'deploy:prod\n') };
    expect(secondaryMentions([item, { ...item, fingerprint: 'f2', subject: 'PAYMENTS_REGION' }], [self], { strategy: 'primary_first', maxDocsPerDrift: 3 }).size).toBe(0);
  });
});

describe('docTargeting in a pack', () => {
  it('accepts secondary docs; refuses strategy all with a clear error; a secondary doc needs a path', () => {
    const ok = TrackB.parse({ docTargeting: { secondaryDocs: [{ path: 'oncall.md' }, { repo: 'acme/wiki', path: 'x.md' }] } });
    expect(ok.docTargeting).toEqual({ strategy: 'primary_first', maxDocsPerDrift: 3, secondaryDocs: [{ path: 'oncall.md' }, { repo: 'acme/wiki', path: 'x.md' }] });
    const all = TrackB.safeParse({ docTargeting: { strategy: 'all' } });
    expect(all.success).toBe(false);
    expect(all.error!.issues[0]!.message).toContain("'all' (patching every doc) is not supported yet");
    expect(all.error!.issues[0]!.path).toEqual(['docTargeting', 'strategy']);
    expect(TrackB.safeParse({ docTargeting: { secondaryDocs: [{ repo: 'acme/wiki' }] } }).success).toBe(false);
  });
});

describe('the digest lists the secondary mentions under each item', () => {
  it('a sub-line per mentioned item, the checkboxes still parse, unreadable docs are named', async () => {
    const c = change({ 'src/a.ts': '' }, { 'src/a.ts': 'process.env.PAYMENTS_TIMEOUT_MS' });
    const items = (await detect(c, fixture('runbook-payments.md'), [{ type: 'env_var', config: { prefixes: ['PAYMENTS_'] } }])).items;
    expect(items.map((i) => i.subject)).toEqual(['PAYMENTS_TIMEOUT_MS']);
    const oncall = { target: { system: 'github', repo: 'acme/docs', path: 'oncall.md' }, doc: md('oncall.md', '# On call\n\nRaise `PAYMENTS_TIMEOUT_MS` when captures time out.\n') };
    const mentions = secondaryMentions(items, [oncall], { strategy: 'primary_first', maxDocsPerDrift: 3 });
    const r = route(items, 'runbook', Materiality.parse({}));
    const entries = [...r.notify, ...r.digest, ...r.auto].map((s) => ({ ...s, sources: [] }));
    const issue = buildDigestIssue({ repo: 'acme/payments-api', packId: 'p', docs: [{ docTarget: RUNBOOK, entries, below: [], closed: [], mentions, unreadable: ['acme/docs/gone.md: does not exist'] }] });
    const lines = issue.body.split('\n');
    const at = lines.findIndex((l) => l.includes('**PAYMENTS_TIMEOUT_MS**'));
    expect(lines[at + 1]).toBe('  - Also mentioned in: `acme/docs/oncall.md` line 3');
    expect(issue.body).toContain('Secondary docs not checked for mentions: acme/docs/gone.md: does not exist');
    expect([...parseDigestChecks(issue.body).keys()]).toEqual([items[0]!.fingerprint]);
  });
});
