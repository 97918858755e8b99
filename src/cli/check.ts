// `pj check`: the Track A evaluation on a local git repository, through the local-git
// ChangeSet, printing what the `PuddleJumper / contracts` check run would say.
// Exit code by conclusion: 0 success/neutral, 1 failure, 2 usage or errors.
import { parseArgs } from 'node:util';
import { evaluateChange } from '../contracts/evaluate-change.js';
import { decideGate } from '../contracts/gate.js';
import { LOCAL_RUN_OPTIONS, openLocalRun, type Format, type LocalIo } from './local-run.js';
import { buildContractsCheck } from '../report/contracts-check.js';
import type { CheckRunPayload } from '../report/check-run.js';

export type CheckIo = LocalIo;

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

export async function runCheck(argv: string[], io: CheckIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, allowPositionals: false, options: { ...LOCAL_RUN_OPTIONS, label: { type: 'string', multiple: true } } }));
  } catch (error) {
    io.err(`pj check: ${(error as Error).message}\n\n${CHECK_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${CHECK_USAGE}\n`);
    return 0;
  }
  try {
    const run = await openLocalRun('check', values, io, values.label ?? []);
    if (run === 2) return 2;
    const { evaluation, required } = await evaluateChange(run.changes, run.packs, new Date());
    // Offline there is no approval chain: a blocking change fails as it does before any approval.
    const payload = buildContractsCheck(evaluation, decideGate(evaluation, required, undefined));
    io.out(formatPayload(payload, run.format, { base: run.base, head: run.head, repo: run.changes.repo, highestSeverity: evaluation.highestSeverity }));
    return payload.conclusion === 'failure' ? 1 : 0;
  } catch (error) {
    io.err(`pj check: ${(error as Error).message}\n`);
    return 2;
  }
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
