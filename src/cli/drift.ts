// `pj drift`: the Track B detectors on a local git repository, through the local-git
// ChangeSet: prints the drift items, their materiality band and their patches. Writes
// nothing (no doc is changed, no PR opened).
// Exit code: 0 when it ran (drift or not: drift never fails), 2 usage or errors.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { touchedPaths } from '../change/changeset.js';
import type { GitChangeSet } from '../change/git.js';
import { docKey, type DocTarget } from '../drift/item.js';
import { route, type Routed } from '../drift/materiality.js';
import { runDrift } from '../drift/run.js';
import { LOCAL_RUN_OPTIONS, openLocalRun, type Format, type LocalIo } from './local-run.js';
import { Materiality } from '../packs/schema.js';
import { selectPacks } from '../packs/select.js';
import type { ValidPack } from '../packs/types.js';
import { buildDriftCheck, docLabel, type DriftCheckDoc } from '../report/drift-check.js';
import { untrustedDocuments, type Untrusted } from '../sandbox/untrusted.js';

export type DriftIo = LocalIo & { env?: Record<string, string | undefined> };

export const DRIFT_USAGE = `Usage: pj drift [--repo DIR] [--base REF] [--head REF] [--packs DIR] [--docs DIR] [--format text|json|markdown]
                [--repo-name OWNER/REPO]

Runs the Track B drift detectors of the policy packs on a local git repository and prints
the drift items, their materiality and their patches (unified diffs). Writes nothing.

  --repo DIR         the repository (default: the current directory)
  --base REF         compare from the merge base with REF (default: origin/HEAD, else main, else HEAD~1)
  --head REF         the head commit (default: HEAD)
  --packs DIR        folder of policy packs (default: policy-packs in the repository)
  --docs DIR         where the docs of other repositories (and pages, as <id>.md) are, by their
                     primaryDoc.path; docs of this repository are read from it at --head
  --format FORMAT    text (default), json or markdown (the "PuddleJumper / drift" check)
  --repo-name NAME   the repository's "owner/repo" for pack selection (default: from the origin remote)

Each doc is parsed in a worker thread within PJ_PARSE_DEADLINE_MS (default 20000 ms), as the
app does: a doc past it is not read, and its item says why.

Exit code: 0 when it ran (drift never fails), 2 usage or errors.`;

export async function runDriftCli(argv: string[], io: DriftIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, allowPositionals: false, options: { ...LOCAL_RUN_OPTIONS, docs: { type: 'string' } } }));
  } catch (error) {
    io.err(`pj drift: ${(error as Error).message}\n\n${DRIFT_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${DRIFT_USAGE}\n`);
    return 0;
  }
  const docsDir = values.docs === undefined ? undefined : resolve(io.cwd, values.docs);
  const deadlineMs = parseDeadline((io.env ?? process.env).PJ_PARSE_DEADLINE_MS);
  if (typeof deadlineMs === 'string') {
    io.err(`pj drift: ${deadlineMs}\n`);
    return 2;
  }
  // Docs and specs are parsed in a worker with a deadline (started only when one is read).
  let sandbox: Untrusted | undefined;
  const sandboxed = () => (sandbox ??= untrustedDocuments({ deadlineMs, size: 1 }));
  const parse = (path: string, text: string) => sandboxed().markdown(path, text);
  try {
    const run = await openLocalRun('drift', values, io);
    if (run === 2) return 2;
    const { changes, packs: set, format, base, head } = run;
    const files = await changes.files();
    const selected = selectPacks(set, changes.repo, touchedPaths(files));
    for (const bad of selected.filter((p) => !p.valid)) {
      for (const e of bad.errors) io.err(`${e.file}:${e.line}:${e.column}: ${e.message}\n`);
    }
    const packs = selected.filter((p): p is ValidPack => p.valid && p.pack.trackB !== undefined && p.pack.trackB.enabled);
    const docs: DriftCheckDoc[] = [];
    for (const { pack } of packs) {
      const trackB = pack.trackB!;
      if (!trackB.primaryDoc) {
        io.err(`pj drift: pack ${pack.id} has Track B but no primaryDoc: nothing to check\n`);
        continue;
      }
      const { primaryDoc } = trackB;
      const docTarget: DocTarget = {
        system: primaryDoc.system,
        ...(primaryDoc.repo ? { repo: primaryDoc.repo } : {}),
        ...(primaryDoc.path ? { path: primaryDoc.path } : {}),
        ...(primaryDoc.id ? { id: primaryDoc.id } : {}),
        ...(primaryDoc.class ? { class: primaryDoc.class } : {}),
      };
      const docText = await readDoc(docTarget, changes, docsDir);
      const parsed = docText.text === undefined ? undefined : await parse(docTarget.path ?? docTarget.id ?? 'the doc', docText.text);
      const doc = parsed === undefined ? { docText: undefined, ...(docText.why ? { docUnavailable: docText.why } : {}) } : 'unavailable' in parsed ? { docText: undefined, docUnavailable: parsed.unavailable } : { docText: docText.text, parsed: parsed.doc };
      const result = await runDrift({ changes, docTarget, ...doc, specOps: (spec, read) => sandboxed().specOps(spec, read), driftTypes: trackB.driftTypes, noiseControls: trackB.noiseControls });
      const routed = route(result.items, docTarget.class, Materiality.parse(trackB.materiality ?? {}));
      docs.push({ packId: pack.id, packName: pack.name, testMode: pack.testMode.enabled, docTarget, routed });
    }
    io.out(render(docs, format, { base, head, repo: changes.repo, headSha: changes.headSha }));
    return 0;
  } catch (error) {
    io.err(`pj drift: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await sandbox?.close();
  }
}

/** PJ_PARSE_DEADLINE_MS as the app reads it (config.ts): whole milliseconds, at least 100; else why not. */
function parseDeadline(raw: string | undefined): number | string {
  if (raw === undefined || raw === '') return 20_000;
  const ms = Number(raw);
  return Number.isInteger(ms) && ms >= 100 ? ms : `invalid setting PJ_PARSE_DEADLINE_MS: must be whole milliseconds, at least 100 (got ${raw})`;
}

async function readDoc(target: DocTarget, changes: GitChangeSet, docsDir: string | undefined): Promise<{ text?: string; why?: string }> {
  const name = target.path ?? (target.id !== undefined ? `${target.id}.md` : undefined);
  if (name === undefined) return { why: 'the pack names no path or id for its primary doc' };
  const inRepo = target.system === 'github' && (target.repo === undefined || target.repo.toLowerCase() === changes.repo.toLowerCase());
  if (inRepo && target.path !== undefined) {
    const text = await changes.readHead(target.path);
    return text === undefined ? { why: `${target.path} does not exist in ${changes.repo} at ${changes.headSha.slice(0, 12)}` } : { text };
  }
  if (docsDir !== undefined) {
    try {
      return { text: await readFile(join(docsDir, name), 'utf8') };
    } catch {
      return { why: `${join(docsDir, name)} does not exist` };
    }
  }
  return { why: `${docLabel(target)} is not in ${changes.repo}: pass --docs DIR (a checkout of the doc's repository, or a folder holding it)` };
}

interface Context {
  base: string;
  head: string;
  repo: string;
  headSha: string;
}

function flat(routed: Routed) {
  return (['auto', 'notify', 'digest', 'below', 'ignore'] as const).flatMap((band) => routed[band]);
}

export function render(docs: readonly DriftCheckDoc[], format: Format, ctx: Context): string {
  if (format === 'json') {
    return `${JSON.stringify(
      {
        repo: ctx.repo,
        base: ctx.base,
        head: ctx.head,
        headSha: ctx.headSha,
        docs: docs.map((d) => ({
          packId: d.packId,
          doc: docKey(d.docTarget),
          docTarget: d.docTarget,
          items: flat(d.routed).map((s) => ({ band: s.band, score: s.score, severity: s.severity, ...s.item })),
        })),
      },
      null,
      2,
    )}\n`;
  }
  if (format === 'markdown') {
    const payload = buildDriftCheck(docs, ctx.headSha);
    if (!payload) return '# PuddleJumper / drift\n\nNo policy pack with Track B applies to this change.\n';
    return `# ${payload.name}: ${payload.conclusion}\n\n${payload.summary}\n`;
  }
  const lines = [`PuddleJumper / drift — ${ctx.repo} ${ctx.base}...${ctx.head} (${ctx.headSha.slice(0, 12)})`];
  if (docs.length === 0) {
    lines.push('', 'No policy pack with Track B applies to this change.');
    return `${lines.join('\n')}\n`;
  }
  for (const d of docs) {
    const items = flat(d.routed);
    lines.push('', `${docLabel(d.docTarget)} (pack ${d.packId}${d.testMode ? ', test mode' : ''}): ${items.length === 0 ? 'no drift' : `${items.length} item${items.length > 1 ? 's' : ''}`}`);
    for (const s of items) {
      const it = s.item;
      lines.push('', `  ${s.band.padEnd(6)} ${s.score.toFixed(3)} ${s.severity.padEnd(8)} ${it.rule}  ${it.docTarget.path ?? it.docTarget.id ?? ''}${it.docLine ? `:${it.docLine}` : ''}`, `    ${it.message}`);
      const ev = it.evidence.filter((e) => e.side !== 'doc');
      if (ev.length) lines.push(`    evidence: ${ev.map((e) => `${e.file}:${e.line}${e.side ? ` (${e.side})` : ''}`).join(', ')}`);
      if (it.patch) lines.push(...it.patch.diff.trimEnd().split('\n').map((l) => `    ${l}`));
      else lines.push('    (no patch: flagged for a person)');
    }
  }
  return `${lines.join('\n')}\n`;
}
