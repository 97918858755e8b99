// "You drive it too": `pj playground comment|push|merge …` act as a person on the running
// playground's GitHub (which sends the matching webhooks), wait until the app has done its
// work, and print what the pull request's checks and the app's replies are now. The
// running playground serves these as POST /_playground/{comment,push,merge} on its GitHub.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIo } from './io.js';
import type { Actors } from './actors.js';
import { latestRuns } from './page.js';
import { PEOPLE } from './seed.js';
import { STORY_REPO } from './story.js';
import type { World } from './world.js';

export interface DriveRequest {
  action: 'open' | 'comment' | 'push' | 'merge';
  title?: string;
  repo: string;
  number?: number;
  branch?: string;
  as: string;
  body?: string;
  files?: Record<string, string>;
}

/** Performs one request on the playground; returns what to print. Throws an Error with a reason a person can act on. */
export async function drive(w: World, actors: Actors, settle: () => Promise<void>, r: DriveRequest): Promise<string> {
  const repo = w.mustRepo(r.repo);
  const seen = repo.comments.length;
  let number = r.number;
  if (r.action === 'open') {
    if (!r.files || Object.keys(r.files).length === 0) throw new Error('open needs at least one --file PATH=@FILE');
    const branch = r.branch ?? `playground-${w.nextNumber(repo)}`;
    actors.push(r.repo, r.as, branch, r.files, r.title ?? `Update ${Object.keys(r.files).join(', ')}`);
    number = actors.openPull(r.repo, r.as, { branch, title: r.title ?? `Update ${Object.keys(r.files).join(', ')}`, body: 'Opened with `pj playground open`.' }).number;
  } else if (r.action === 'comment') actors.comment(r.repo, need(number), r.as, r.body ?? '');
  else if (r.action === 'merge') actors.merge(r.repo, need(number), r.as);
  else {
    const pr = number !== undefined ? w.pull(repo, number) : undefined;
    if (number !== undefined && !pr) throw new Error(`${r.repo} has no pull request #${number}`);
    if (pr && pr.state !== 'open') throw new Error(`${r.repo}#${number} is ${pr.pull.merged ? 'merged' : 'closed'}`);
    const branch = pr?.pull.head.ref ?? r.branch ?? repo.defaultBranch;
    if (!r.files || Object.keys(r.files).length === 0) throw new Error('push needs at least one --file PATH=@FILE');
    const sha = actors.push(r.repo, r.as, branch, r.files, `Update ${Object.keys(r.files).join(', ')}`);
    if (!pr) {
      await settle();
      return `pushed ${sha.slice(0, 7)} to ${r.repo} ${branch}`;
    }
  }
  await settle();
  const lines: string[] = [];
  const pr = w.pull(repo, need(number));
  if (!pr) return 'done';
  lines.push(`${r.repo}#${pr.number} (${pr.pull.merged ? 'merged' : pr.state}): ${w.htmlUrl(repo, `/pull/${pr.number}`)}`);
  for (const c of repo.comments.slice(seen).filter((c) => c.user.login === w.bot.login)) lines.push(`  ↳ @${w.bot.login}: ${c.body.replace(/<!--[\s\S]*?-->/g, '').trim().split('\n')[0]}`);
  for (const run of latestRuns(repo, pr.pull.head.sha)) lines.push(`  ${run.name}: ${run.conclusion ?? run.status} — ${run.title}${run.annotations.length ? ` (${run.annotations.length} annotations)` : ''}`);
  number = pr.number;
  return lines.join('\n');
}

function need(n: number | undefined): number {
  if (n === undefined) throw new Error('a pull request number is needed');
  return n;
}

export const DRIVE_HELP = `  pj playground open --file PATH=@FILE [--title T] [--as LOGIN]  open a pull request changing PATH (e.g. openapi/openapi.yaml)
  pj playground comment N "BODY" [--as LOGIN]           comment on pull request N (e.g. "/approve")
  pj playground push N --file PATH=@FILE [--as LOGIN]     push a commit to PR N's branch (a file's content from FILE)
  pj playground push --repo R --branch B --file PATH=@FILE  push to any branch, e.g. your own pack to acme/.github main
  pj playground merge N [--as LOGIN]                      merge pull request N
    --repo R (default ${STORY_REPO}), --as LOGIN (default ${PEOPLE.developer}; approvers: ${PEOPLE.lead}, ${PEOPLE.director})`;

/** Parses `comment|push|merge …` into a request; a string is a usage error. */
export function parseDrive(action: DriveRequest['action'], argv: string[], cwd: string): DriveRequest | string {
  const r: DriveRequest = { action, repo: STORY_REPO, as: PEOPLE.developer };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--as') r.as = value();
    else if (a === '--repo') r.repo = value();
    else if (a === '--branch') r.branch = value();
    else if (a === '--title') r.title = value();
    else if (a === '--file') {
      const spec = value();
      const eq = spec.indexOf('=');
      if (eq <= 0) return `--file wants PATH=@FILE or PATH=TEXT, got ${spec}`;
      const path = spec.slice(0, eq);
      const v = spec.slice(eq + 1);
      r.files = { ...r.files, [path]: v.startsWith('@') ? readFileSync(resolve(cwd, v.slice(1)), 'utf8') : v };
    } else if (a.startsWith('--')) return `unknown option ${a}`;
    else positional.push(a);
  }
  if (positional[0] !== undefined) {
    const n = Number(positional[0]);
    if (!Number.isInteger(n) || n <= 0) return `not a pull request number: ${positional[0]}`;
    r.number = n;
  }
  if (action === 'comment') {
    if (positional[1] === undefined) return 'comment needs the text, e.g. pj playground comment 1 "/approve" --as lena';
    r.body = positional[1];
  }
  if (action !== 'push' && action !== 'open' && r.number === undefined) return `${action} needs a pull request number`;
  return r;
}

/** The CLI side: sends the request to the running playground and prints its answer. */
export async function runDrive(action: DriveRequest['action'], argv: string[], githubPort: number, io: CliIo): Promise<number> {
  let r: DriveRequest | string;
  try {
    r = parseDrive(action, argv, io.cwd);
  } catch (error) {
    r = (error as Error).message;
  }
  if (typeof r === 'string') {
    io.err(`pj playground ${action}: ${r}\n\n${DRIVE_HELP}`);
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${githubPort}/_playground/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
  } catch {
    io.err(`pj playground ${action}: no playground answers at 127.0.0.1:${githubPort}; start one with \`npx pj playground\` (or pass --github-port)`);
    return 1;
  }
  const text = await res.text();
  if (!res.ok) {
    io.err(`pj playground ${action}: ${text}`);
    return 1;
  }
  io.out(text);
  return 0;
}
