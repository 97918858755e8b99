// `pj check`: the Track A evaluation on a local git repository, through the local-git
// ChangeSet, printing what the `PuddleJumper / contracts` check run would say.
// Exit code by conclusion: 0 success/neutral, 1 failure, 2 usage or errors.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GitChangeSet, defaultBaseRef } from '../change/git.js';
import { evaluateChange } from '../contracts/evaluate-change.js';
import { decideGate } from '../contracts/gate.js';
import { loadPackSet, type PackFile } from '../packs/load-set.js';
import { defaultKnownTypes } from '../usecases/known-types.js';
import { readPackFiles } from './local-packs.js';
import { buildContractsCheck } from '../report/contracts-check.js';
import type { CheckRunPayload } from '../report/check-run.js';

export interface CheckIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export const CHECK_USAGE = `Usage: pj check [--repo DIR] [--base REF] [--head REF] [--packs DIR] [--format text|json|markdown]
                [--repo-name OWNER/REPO] [--label NAME]...

Runs the Track A contract checks of the policy packs on a local git repository and
prints what the "PuddleJumper / contracts" check run would say.

  --repo DIR         the repository (default: the current directory)
  --base REF         compare from the merge base with REF (default: origin/HEAD, else main, else HEAD~1)
  --head REF         the head commit (default: HEAD)
  --packs DIR        folder of policy packs (default: policy-packs in the repository)
  --format FORMAT    text (default), json or markdown
  --repo-name NAME   the repository's "owner/repo" for pack selection (default: from the origin remote)
  --label NAME       a pull-request label to assume (e.g. skip-changelog); repeatable

Exit code: 0 success or neutral, 1 failure, 2 usage or errors.`;

type Format = 'text' | 'json' | 'markdown';

export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        repo: { type: 'string' },
        base: { type: 'string' },
        head: { type: 'string' },
        packs: { type: 'string' },
        format: { type: 'string' },
        'repo-name': { type: 'string' },
        label: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.err(`pj check: ${(error as Error).message}\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${CHECK_USAGE}\n`);
    return 0;
  }
  const format = (values.format ?? 'text') as Format;
  if (!['text', 'json', 'markdown'].includes(format)) {
    io.err(`pj check: unknown --format "${values.format}" (text, json or markdown)\n`);
    return 2;
  }
  const repoDir = resolve(io.cwd, values.repo ?? '.');
  try {
    const base = values.base ?? (await defaultBaseRef(repoDir));
    if (!base) {
      io.err(`pj check: no base to compare with in ${repoDir} (no origin/HEAD, main or HEAD~1); pass --base REF\n`);
      return 2;
    }
    const changes = await GitChangeSet.open({
      cwd: repoDir,
      base,
      head: values.head ?? 'HEAD',
      labels: values.label ?? [],
      ...(values['repo-name'] ? { repo: values['repo-name'] } : {}),
    });
    const packsDir = resolve(io.cwd, values.packs ?? join(repoDir, 'policy-packs'));
    const packFiles = await readPackFolder(packsDir, io.cwd);
    if (packFiles === undefined) {
      io.err(`pj check: no packs folder at ${packsDir}; pass --packs DIR\n`);
      return 2;
    }
    const set = loadPackSet(packFiles, defaultKnownTypes());
    for (const e of set.errors) io.err(`${e.file}:${e.line}:${e.column}: ${e.message}\n`);
    const { evaluation, required } = await evaluateChange(changes, set, new Date());
    // Offline there is no approval chain: a blocking change fails as it does before any approval.
    const payload = buildContractsCheck(evaluation, decideGate(evaluation, required, undefined));
    io.out(formatPayload(payload, format, { base, head: values.head ?? 'HEAD', repo: changes.repo, highestSeverity: evaluation.highestSeverity }));
    return payload.conclusion === 'failure' ? 1 : 0;
  } catch (error) {
    io.err(`pj check: ${(error as Error).message}\n`);
    return 2;
  }
}

async function readPackFolder(dir: string, cwd: string): Promise<PackFile[] | undefined> {
  try {
    if (!(await stat(dir)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return readPackFiles(dir, cwd);
}

interface Context {
  base: string;
  head: string;
  repo: string;
  highestSeverity?: string | undefined;
}

export function formatPayload(payload: CheckRunPayload, format: Format, ctx: Context): string {
  if (format === 'json') {
    const { name, headSha, conclusion, title, summary, annotations } = payload;
    return `${JSON.stringify({ name, repo: ctx.repo, base: ctx.base, head: ctx.head, headSha, conclusion, title, highestSeverity: ctx.highestSeverity ?? null, summary, annotations }, null, 2)}\n`;
  }
  const annotationLines = payload.annotations.map(
    (a) => `${a.path}:${a.start_line}${a.start_column ? `:${a.start_column}` : ''}: ${a.annotation_level}: ${a.title ? `[${a.title}] ` : ''}${a.message}`,
  );
  if (format === 'markdown') {
    const parts = [`# ${payload.name}: ${payload.conclusion}`, '', payload.summary];
    if (annotationLines.length) parts.push('', '### Annotations', '', ...annotationLines.map((l) => `- ${l}`));
    return `${parts.join('\n')}\n`;
  }
  const parts = [
    `${payload.name}: ${payload.conclusion} — ${payload.title}`,
    `${ctx.repo} ${ctx.base}...${ctx.head} (${payload.headSha.slice(0, 12)})`,
    '',
    payload.summary,
  ];
  if (annotationLines.length) parts.push('', 'Annotations:', ...annotationLines);
  return `${parts.join('\n')}\n`;
}
