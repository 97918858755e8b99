// The I/O half of Track B, piece by piece: allowedOutputs in the judge, the Renovate-style
// branch of pull_request.upsert (rebuilt on base; a person's commit stops it; the doc's blob
// as compare-and-set), and the Confluence storage-format view.
import { describe, expect, it } from 'vitest';
import { judge } from '../../src/governance/judge.js';
import type { PackOrigin } from '../../src/governance/action.js';
import { projectStorage, storageEdits } from '../../src/drift/storage-format.js';
import { pullRequestDispatcher } from '../../src/governance/dispatchers/pull-request.js';
import { testOctokit } from '../governance/helpers.js';
import { FakeGitHub } from '../helpers/fake-github.js';

const trackB = (allowedOutputs: string[]): PackOrigin => ({ packId: 'docs', valid: true, testMode: false, allowedOutputs });
const dispatcher = { validate: () => undefined };

describe('allowedOutputs, enforced by the judge for every Track B action', () => {
  it('denies an output the pack does not allow, and any kind that is not a Track B output; the drift check always passes', () => {
    const only = trackB(['digest_issue']);
    const verdict = (kind: string, origin: PackOrigin) => judge({ proposal: { kind, payload: {}, origin }, dispatcher, chainApproved: true });
    expect(verdict('pull_request.upsert', only)).toMatchObject({ decision: 'deny', code: 'output_not_allowed' });
    expect(verdict('confluence.page_update', only)).toMatchObject({ decision: 'deny', code: 'output_not_allowed' });
    expect(verdict('remediation_pr.comment', only)).toMatchObject({ decision: 'deny', code: 'output_not_allowed' });
    expect(verdict('notify.email', only)).toMatchObject({ decision: 'deny', reason: 'pack "docs": notify.email is not a Track B output (allowedOutputs: digest_issue)' });
    expect(verdict('issue.upsert', only)).toEqual({ decision: 'approve' });
    expect(verdict('check_run.upsert', only)).toEqual({ decision: 'approve' });
    expect(verdict('pull_request.upsert', trackB(['remediation_pr']))).toEqual({ decision: 'approve' });
    // Track A actions carry no allowedOutputs: untouched.
    expect(verdict('notify.email', { packId: 'a', valid: true, testMode: false })).toEqual({ decision: 'approve' });
  });
});

describe('pull_request.upsert with rebuild (Renovate-style branch)', () => {
  async function setup() {
    const gh = new FakeGitHub();
    const docs = gh.repo('acme/docs');
    docs.refs.set('main', gh.commit({ 'runbook.md': '# v1\n' }));
    const d = pullRequestDispatcher({ getOctokit: async () => testOctokit() });
    const expectBlob = (text: string) => ({ path: 'runbook.md', sha: [...gh.blobs].find(([, c]) => c === text)![0] });
    const run = async (content: string, base = '# v1\n', revision = 1) =>
      d.dispatch({
        action: { installationId: 1, attempts: 1, revision } as never,
        payload: { repo: 'acme/docs', base: 'main', branch: 'puddlejumper/drift/runbook-md', title: 'docs: fix', body: 'items', marker: 'drift-remediation:x', files: [{ path: 'runbook.md', content }], commitMessage: 'docs: fix', rebuild: { expectBlob: expectBlob(base) } },
        previousResult: async () => null,
      });
    return { gh, run };
  }

  it('creates the branch as one commit on base, updates it in place, and stops for good once a person commits', async () => {
    const { gh, run } = await setup();
    const first = await run('# v2\n');
    expect(first).toMatchObject({ created: true });
    const main = gh.repo('acme/docs').refs.get('main')!;
    const b1 = gh.repo('acme/docs').refs.get('puddlejumper/drift/runbook-md')!;
    expect(gh.commits.get(b1)!.parents).toEqual([main]);
    const second = await run('# v3\n');
    expect(second).toMatchObject({ created: false, prNumber: first.prNumber });
    const b2 = gh.repo('acme/docs').refs.get('puddlejumper/drift/runbook-md')!;
    expect(gh.commits.get(b2)!.parents).toEqual([main]); // rebuilt, not stacked
    expect(gh.fileAt(b2, 'runbook.md')).toBe('# v3\n');
    // A person commits on top.
    const human = gh.commit({ 'runbook.md': '# v3 by hand\n' }, b2, 'by hand');
    gh.repo('acme/docs').refs.set('puddlejumper/drift/runbook-md', human);
    const third = await run('# v4\n');
    expect(third).toMatchObject({ stopped: true, branchHead: human });
    expect(gh.repo('acme/docs').refs.get('puddlejumper/drift/runbook-md')).toBe(human);
    expect(gh.openPulls('acme/docs')).toHaveLength(1);
  });

  it('refuses to overwrite a doc whose blob on base moved since the patch was computed', async () => {
    const { gh, run } = await setup();
    const docs = gh.repo('acme/docs');
    docs.refs.set('main', gh.commit({ 'runbook.md': '# v1, edited on main\n' }, docs.refs.get('main')!));
    await expect(run('# v2\n')).rejects.toThrow(/runbook.md changed on main since the drift patch was computed/);
    expect(docs.refs.get('puddlejumper/drift/runbook-md')).toBeUndefined();
  });
});

describe('Confluence storage format view', () => {
  const body = '<h2>Deployment Steps</h2><ol><li><p>Run <code>npm run deploy:prod</code> &amp; watch.</p></li></ol><table><tbody><tr><th>Variable</th></tr><tr><td><code>A_B</code></td></tr></tbody></table>';

  it('projects headings, list items, code spans and tables to Markdown', () => {
    const view = projectStorage(body);
    expect(view.text).toContain('## Deployment Steps');
    expect(view.text).toContain('- Run `npm run deploy:prod` & watch.');
    expect(view.text).toContain('| Variable |\n| --- |\n| `A_B` |');
  });

  it('maps a text edit back exactly (escaped); a structural edit or one through an entity is not mapped', () => {
    const view = projectStorage(body);
    const at = view.text.indexOf('deploy:prod');
    const edits = storageEdits(view, [{ start: at, end: at + 'deploy:prod'.length, replacement: 'release<prod>' }])!;
    const applied = body.slice(0, edits[0]!.start) + edits[0]!.replacement + body.slice(edits[0]!.end);
    expect(applied).toContain('<code>npm run release&lt;prod&gt;</code>');
    const row = view.text.indexOf('| `A_B` |');
    expect(storageEdits(view, [{ start: row, end: row, replacement: '| `C_D` |\n' }])).toBeUndefined();
    const amp = view.text.indexOf('&');
    expect(storageEdits(view, [{ start: amp, end: amp + 1, replacement: 'and' }])).toBeUndefined();
  });
});
