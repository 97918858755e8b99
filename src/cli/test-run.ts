// `pj test-run`: one pack over a repo's recent pull requests (or one), with the App's
// credentials — what it would find, whether it would block, the chain it would require.
// Reads GitHub only: nothing is written there, to an outbox or to an audit log.
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProbotOctokit } from 'probot';
import { loadSettings, SettingsError } from '../config.js';
import { GitHubChangeSet } from '../github/changeset.js';
import { PackSource } from '../github/pack-source.js';
import { fetchPullRequest, listRecentPullRequests, resolveRef, type TitledPullRequest } from '../github/test-run-reads.js';
import type { PackSet } from '../packs/types.js';
import { defaultKnownTypes } from '../usecases/known-types.js';
import { runPackTest, TestRunError, type TestRunDocs, type TestRunResult } from '../usecases/test-run.js';
import { GitHubDocs } from '../github/docs.js';
import { ConfluenceClient } from '../governance/dispatchers/confluence.js';
import { projectStorage } from '../drift/storage-format.js';
import type { OctokitLike } from '../github/octokit.js';
import { untrustedDocuments, type Untrusted } from '../sandbox/untrusted.js';

export const TEST_RUN_USAGE = `Usage: pj test-run --pack PATH|ID --repo OWNER/NAME [--last N | --pr N] [--ref CONFIG_REF] [--format text|json]

Runs one policy pack over the last N pull requests of a repository (default 10, open,
merged or closed, most recently updated first) or over one pull request, and prints what
it would find, whether it would block and the approval chain it would require. The pack
runs as if active and enforcing (a draft or test-mode pack is what one tries out).

  --pack PATH|ID   a local pack file, or the id (or file) of a pack in the config repo
  --repo NAME      the repository, owner/name; the App must be installed on it
  --last N         the last N pull requests (1-100, default 10)
  --pr N           only pull request N
  --ref REF        the config repo's branch, tag or sha to take the pack from (default: its default branch)
  --format FORMAT  text (default) or json

Needs the App's credentials: APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH); GHE_HOST for
GitHub Enterprise; PJ_CONFIG_REPO and PJ_PACKS_DIR as the app uses them. The pack, the
pull requests' specs and the docs are parsed in worker threads within PJ_PARSE_DEADLINE_MS,
as the app does (past it: a fail-closed finding, an invalid pack, a doc not read). Nothing is
written to GitHub, the outbox or the audit log.

Exit code: 0 nothing would block, 1 some pull request would be blocked, 2 usage or errors.`;

export interface TestRunIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  env?: Record<string, string | undefined>;
}

export async function runTestRun(argv: string[], io: TestRunIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: { pack: { type: 'string' }, repo: { type: 'string' }, last: { type: 'string' }, pr: { type: 'string' }, ref: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    io.err(`pj test-run: ${(error as Error).message}\n\n${TEST_RUN_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${TEST_RUN_USAGE}\n`);
    return 0;
  }
  const usage = (why: string) => {
    io.err(`pj test-run: ${why}\n\n${TEST_RUN_USAGE}\n`);
    return 2;
  };
  const pack = values.pack as string | undefined;
  const repo = values.repo as string | undefined;
  if (!pack) return usage('--pack is required');
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) return usage('--repo OWNER/NAME is required');
  if (values.last !== undefined && values.pr !== undefined) return usage('give --last or --pr, not both');
  const last = values.last === undefined ? 10 : Number(values.last);
  if (!Number.isInteger(last) || last < 1 || last > 100) return usage(`--last must be a whole number from 1 to 100, got ${values.last}`);
  const pr = values.pr === undefined ? undefined : Number(values.pr);
  if (pr !== undefined && (!Number.isInteger(pr) || pr < 1)) return usage(`--pr must be a pull request number, got ${values.pr}`);
  const format = (values.format as string | undefined) ?? 'text';
  if (format !== 'text' && format !== 'json') return usage(`--format must be text or json, got ${format}`);

  let sandbox: Untrusted | undefined;
  try {
    const settings = loadSettings(io.env ?? process.env);
    if (!settings.appId || !settings.privateKey) return usage('the App credentials are missing: set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)');
    const owner = repo.slice(0, repo.indexOf('/'));
    const quiet = () => {};
    const log = { debug: quiet, info: quiet, warn: quiet, error: quiet, trace: quiet, fatal: quiet, child: () => log } as never;
    const base = { baseUrl: settings.githubBaseUrl, log, retry: { enabled: false }, throttle: { enabled: false } };
    const app = new ProbotOctokit({ ...base, auth: { appId: settings.appId, privateKey: settings.privateKey } });
    const installation = await app.request('GET /repos/{owner}/{repo}/installation', { owner, repo: repo.slice(owner.length + 1) });
    const installationId = Number((installation.data as { id: number }).id);
    const octokit = new ProbotOctokit({ ...base, auth: { appId: settings.appId, privateKey: settings.privateKey, installationId } });
    // Whatever the pack, the PRs and the docs hold is parsed off this thread, within the deadline.
    const untrusted = (sandbox = untrustedDocuments({ deadlineMs: settings.parseDeadlineMs, size: 1 }));
    const known = defaultKnownTypes();
    const local = resolve(io.cwd, pack);
    const isFile = /\.ya?ml$/i.test(pack) && (await stat(local).then((s) => s.isFile(), () => false));
    let packs: () => Promise<PackSet>;
    let which = pack;
    if (isFile) {
      const text = await readFile(local, 'utf8');
      packs = async () => untrusted.packs([{ path: basename(local), text }]);
      which = basename(local);
    } else {
      const source = new PackSource({ known, log: { info() {}, warn() {}, debug() {} } as never, configRepo: settings.configRepo, packsDir: settings.packsDir, parseAt: (files, sha) => untrusted.packs(files, sha) });
      packs = async () => source.loadAt(octokit, owner, await resolveRef(octokit, owner, settings.configRepo, (values.ref as string | undefined) ?? 'HEAD'));
    }
    const result = await runPackTest<TitledPullRequest>(
      {
        packs,
        pulls: async () => (pr !== undefined ? [await fetchPullRequest(octokit, installationId, repo, pr)] : listRecentPullRequests(octokit, installationId, repo, last)),
        changes: (p) => new GitHubChangeSet(octokit, p),
        docs: docReader(octokit, io.env ?? process.env, untrusted),
        openapi: untrusted.openapi,
        specOps: untrusted.specOps,
        now: () => new Date(),
      },
      which,
    );
    io.out(format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : render(repo, result));
    return result.prs.some((p) => p.wouldBlock) ? 1 : 0;
  } catch (error) {
    const message = error instanceof SettingsError || error instanceof TestRunError ? error.message : (error as Error).message;
    io.err(`pj test-run: ${message}\n`);
    return 2;
  } finally {
    await sandbox?.close();
  }
}

function render(repo: string, r: TestRunResult): string {
  const lines = [`pack ${r.pack.id} (${r.pack.file}${r.pack.versionHash ? `, version ${r.pack.versionHash.slice(0, 12)}` : ''}${r.pack.status ? `, ${r.pack.status}` : ''}) on ${repo}${r.configSha ? ` at config ${r.configSha.slice(0, 12)}` : ''}`];
  if (!r.pack.valid) lines.push(`  invalid: ${r.pack.errors.join('; ')}`);
  if (r.prs.length === 0) lines.push('  no pull request');
  for (const p of r.prs) {
    const head = `#${p.number} ${p.title ?? ''}`.trim();
    if (p.error) {
      lines.push(`${head}: error: ${p.error}`);
      continue;
    }
    if (!p.applies) {
      lines.push(`${head}: does not apply (scope or paths)`);
      continue;
    }
    lines.push(`${head}: ${p.wouldBlock ? 'WOULD BLOCK' : 'would pass'}${p.highestSeverity ? ` (highest ${p.highestSeverity})` : ''}, ${p.findings.length} finding${p.findings.length === 1 ? '' : 's'}`);
    for (const f of p.findings.slice(0, 20)) lines.push(`  ${f.severity.padEnd(8)} ${f.ruleId}: ${f.message}${f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : ''}`);
    if (p.chain.length > 0) lines.push(`  chain: ${p.chain.map((g, i) => `${i + 1}. ${g.map((t) => `${t.name} (${[...t.users.map((u) => `@${u}`), ...t.teams.map((x) => `@${x}`)].join(', ')})`).join(' + ')}`).join(' → ')}`);
    if (p.drift) {
      const d = p.drift;
      lines.push(`  drift in ${d.doc}: ${d.error ?? `${d.items.length} item${d.items.length === 1 ? '' : 's'}`}`);
      for (const i of d.items.slice(0, 20)) {
        lines.push(`    ${i.severity.padEnd(8)} ${i.band.padEnd(6)} ${i.rule}: ${i.message}${i.docLine !== undefined ? ` (line ${i.docLine})` : ''}`);
        if (i.patch) for (const l of i.patch.trimEnd().split('\n')) lines.push(`      ${l}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A Track B pack's primary doc, read as the app reads it (github with the App's token,
 * Confluence with its credentials) and parsed in a worker within the deadline.
 */
function docReader(octokit: OctokitLike, env: Record<string, string | undefined>, untrusted: Pick<Untrusted, 'markdown'>): TestRunDocs {
  const github = new GitHubDocs();
  const confluence = new ConfluenceClient({ env });
  async function text(target: Parameters<TestRunDocs['read']>[0]): Promise<{ text: string } | { unavailable: string }> {
    if (target.system === 'github') return target.repo && target.path ? github.read(octokit, target.repo, target.path) : { unavailable: 'the primary doc names no repo or path' };
    if (target.system === 'confluence') {
      if (!target.id) return { unavailable: 'the Confluence primary doc names no page id' };
      const page = await confluence.read(target.id);
      return 'unavailable' in page ? page : { text: projectStorage(page.text).text };
    }
    return { unavailable: `doc system "${target.system}" is not supported (github, confluence)` };
  }
  return {
    async read(target) {
      const doc = await text(target);
      if ('unavailable' in doc) return doc;
      const parsed = await untrusted.markdown(target.path ?? target.id ?? 'the doc', doc.text);
      return 'unavailable' in parsed ? parsed : { text: doc.text, parsed: parsed.doc };
    },
  };
}
