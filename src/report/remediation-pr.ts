// The remediation pull request against a doc: its branch, title and body. Pure.
// The body lists every item with its source pull requests and evidence, and carries the
// machine state (source PRs, fingerprints, …) in a hidden comment that
// `parseRemediationState` reads back, so the PR itself is the record the app updates.
import type { DocTarget } from '../drift/item.js';
import type { SourceRef } from '../drift/accumulation.js';
import type { ScoredItem } from '../drift/materiality.js';
import type { ItemMentions } from '../drift/mentions.js';
import { docLabel } from './drift-check.js';

export const REMEDIATION_MARKER = 'puddlejumper:drift-remediation';
export const PR_BODY_LIMIT = 65_536;
const STATE_VERSION = 1;

export interface RemediationEntry extends ScoredItem {
  sources: SourceRef[];
}

export interface RemediationState {
  version: number;
  packId: string;
  docKey: string;
  branch: string;
  items: Array<{ fingerprint: string; rule: string; subject: string; sources: SourceRef[]; patched: boolean }>;
  /** Set once a human committed to the branch: the app stopped updating the PR. */
  stoppedAt?: string;
}

/** `runbooks/payments.md` -> `puddlejumper/drift/runbooks-payments-md`. */
export function driftBranch(target: DocTarget): string {
  const name = target.path ?? `${target.system}-${target.id ?? 'doc'}`;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `puddlejumper/drift/${slug || 'doc'}`;
}

function sourceLabel(s: SourceRef): string {
  return s.number !== undefined ? `${s.repo}#${s.number}` : `${s.repo}@${s.sha.slice(0, 7)}`;
}

function inline(s: string): string {
  return s.replace(/\r?\n/g, ' ');
}

export interface RemediationPrInput {
  packId: string;
  packName: string;
  docKey: string;
  docTarget: DocTarget;
  entries: readonly RemediationEntry[];
  stoppedAt?: string;
  /** docTargeting primary_first: per fingerprint, the secondary docs that mention the item's subject (not patched here). */
  mentions?: ReadonlyMap<string, ItemMentions>;
  /** Secondary docs that could not be read, with why. */
  unreadable?: readonly string[];
}

export interface RemediationPr {
  branch: string;
  title: string;
  body: string;
  state: RemediationState;
}

export function buildRemediationPr(input: RemediationPrInput): RemediationPr {
  const branch = driftBranch(input.docTarget);
  const entries = [...input.entries].sort((a, b) => b.score - a.score || (a.item.fingerprint < b.item.fingerprint ? -1 : 1));
  const state: RemediationState = {
    version: STATE_VERSION,
    packId: input.packId,
    docKey: input.docKey,
    branch,
    items: entries.map((e) => ({ fingerprint: e.item.fingerprint, rule: e.item.rule, subject: e.item.subject, sources: e.sources, patched: e.item.patch !== null })),
    ...(input.stoppedAt ? { stoppedAt: input.stoppedAt } : {}),
  };
  const patched = entries.filter((e) => e.item.patch !== null);
  const flagged = entries.filter((e) => e.item.patch === null);
  const label = docLabel(input.docTarget);
  const title = `docs: fix ${entries.length} drift item${entries.length === 1 ? '' : 's'} in ${input.docTarget.path ?? label}`;
  const sources = [...new Map(entries.flatMap((e) => e.sources).map((s) => [sourceLabel(s), s])).keys()];

  const head = [
    `PuddleJumper found documentation in \`${label}\` that merged changes made stale (pack **${inline(input.packName)}**, \`${input.packId}\`).`,
    '',
    sources.length ? `Source changes: ${sources.join(', ')}` : '',
    '',
  ];
  if (input.stoppedAt) {
    head.unshift(`> **Edited — PuddleJumper stopped updating it** (a person committed to \`${branch}\` at ${input.stoppedAt}). New drift for this doc goes to the digest issue.`, '');
  }
  const stateComment = `<!-- ${REMEDIATION_MARKER} ${encodeState(state)} -->`;
  const render = (withDiffs: boolean) =>
    [
      ...head,
      patched.length ? `### Fixed in this pull request (${patched.length})` : '',
      ...itemBlocks(patched, withDiffs, input.mentions),
      flagged.length ? `### Needs a person (${flagged.length}) — no safe edit; please fix by hand in this branch` : '',
      ...itemBlocks(flagged, false, input.mentions),
      input.unreadable?.length ? `Secondary docs not checked for mentions: ${input.unreadable.map(inline).join('; ')}` : '',
      '',
      'Merge to accept. Closing without merging means "ignore these items": PuddleJumper will not propose them again.',
      '',
      stateComment,
    ]
      .filter((l, i, all) => !(l === '' && all[i - 1] === ''))
      .join('\n');
  let body = render(true);
  if (body.length > PR_BODY_LIMIT) body = render(false);
  if (body.length > PR_BODY_LIMIT) {
    // The state comment must survive: cut the item text, keep the end.
    const keep = PR_BODY_LIMIT - stateComment.length - 60;
    body = `${body.slice(0, keep)}\n\n… (list truncated)\n\n${stateComment}`;
  }
  return { branch, title, body, state };
}

/** One section per drift item: what, how material, where from, and its patch when `withDiff`. */
function itemBlocks(list: readonly RemediationEntry[], withDiff: boolean, mentions?: ReadonlyMap<string, ItemMentions>): string[] {
  return list.map((e, i) => {
    const lines = [
      `#### ${i + 1}. \`${e.item.rule}\` — ${inline(e.item.subject)}`,
      '',
      inline(e.item.message),
      '',
      `- Severity **${e.severity}** · materiality ${e.score.toFixed(3)} (${e.item.changeClass}, confidence ${e.item.confidence}) · ${e.band}`,
      `- Source: ${e.sources.length ? e.sources.map(sourceLabel).join(', ') : 'unknown'}`,
      `- Evidence: ${e.item.evidence.map((x) => `\`${x.file}:${x.line}\`${x.side ? ` (${x.side})` : ''}`).join(', ') || 'none'}`,
      ...(e.item.section ? [`- Section: ${inline(e.item.section)}${e.item.docLine ? `, line ${e.item.docLine}` : ''}`] : []),
      ...mentionLines(mentions?.get(e.item.fingerprint)),
    ];
    if (withDiff && e.item.patch) lines.push('', '<details><summary>Patch</summary>', '', '```diff', e.item.patch.diff.trimEnd(), '```', '', '</details>');
    return lines.join('\n');
  });
}

/** The secondary docs and lines that mention an item ("" when none): `a/b.md` lines 3, 6; 1 more doc (over maxDocsPerDrift). */
export function mentionText(m: ItemMentions | undefined): string {
  if (!m || (m.docs.length === 0 && m.omitted === 0)) return '';
  const docs = m.docs.map((d) => `\`${docLabel(d.target)}\` line${d.total === 1 ? '' : 's'} ${d.lines.join(', ')}${d.total > d.lines.length ? ` (+${d.total - d.lines.length} more)` : ''}`);
  const more = m.omitted > 0 ? `${m.omitted} more doc${m.omitted === 1 ? '' : 's'} (over maxDocsPerDrift)` : '';
  return [...docs, more].filter(Boolean).join('; ');
}

/** "Also mentioned in" (not patched by this PR): the secondary docs and their lines. */
function mentionLines(m: ItemMentions | undefined): string[] {
  const text = mentionText(m);
  return text ? [`- Also mentioned in (not changed here; please check): ${text}`] : [];
}

function encodeState(state: RemediationState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64');
}

/** The machine state of a remediation PR body; undefined when the body has none or it is damaged. */
export function parseRemediationState(body: string | null | undefined): RemediationState | undefined {
  if (!body) return undefined;
  const at = body.lastIndexOf(`<!-- ${REMEDIATION_MARKER} `);
  if (at === -1) return undefined;
  const end = body.indexOf(' -->', at);
  if (end === -1) return undefined;
  const encoded = body.slice(at + REMEDIATION_MARKER.length + 6, end).trim();
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as RemediationState;
    if (value?.version !== STATE_VERSION || !Array.isArray(value.items) || typeof value.branch !== 'string') return undefined;
    return value;
  } catch {
    return undefined;
  }
}
