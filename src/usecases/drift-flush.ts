// Flushing one accumulation window of (pack, doc): its items routed by materiality.
//   auto / notify  -> the remediation: for a github doc, the one PR of the doc's branch
//                     (`puddlejumper/drift/<doc-slug>`), created or updated in place with
//                     every item it holds (earlier flushes' too), rebuilt on the doc repo's
//                     default branch; for a confluence page, a page update. auto: released
//                     without a human step (PR ready, auto-merge asked; page updated);
//                     notify: the approvers of the tier the highest severity requires are
//                     requested as reviewers (confluence: the update waits for the chain).
//   digest / below -> the digest issue of the source repo.
//   ignore         -> dropped and audited.
// A stopped remediation (a person committed to its branch) sends new items to the digest;
// patches that no longer apply to the doc (it changed) go to the digest too, flagged.
// A flush is one outbox action whose idempotency key is the window's (accumulation.ts).
import { chainTemplateFor } from '../approvals/template.js';
import { maxSeverity } from '../contracts/scoring.js';
import type { PendingItem } from '../drift/accumulation.js';
import { applyEdits, applyPatches, docKey, isProblem, type DocTarget, type TextEdit } from '../drift/item.js';
import { projectStorage, storageEdits } from '../drift/storage-format.js';
import { score, type ScoredItem } from '../drift/materiality.js';
import type { Severity } from '../packs/schema.js';
import type { ValidPack } from '../packs/types.js';
import { buildRemediationPr, driftBranch, type RemediationEntry } from '../report/remediation-pr.js';
import type { LedgerEntry, LedgerItem, Remediation } from '../store/drift.js';
import { publishDigest } from './drift-digest.js';
import { findSecondaryMentions } from './drift-mentions.js';
import { PROPOSAL_KEY_PREFIX } from './drift-proposal.js';
import { driftOrigin, type DriftDeps } from './drift-deps.js';

export interface FlushInput {
  pack: ValidPack;
  docTarget: DocTarget;
  idempotencyKey: string;
  reason: string;
  items: readonly PendingItem[];
  /** A person asked for these items' remediation (a ticked digest box): digest and below count as notify. */
  forceRemediation?: boolean;
}

export interface FlushOutcome {
  remediated: number;
  digested: number;
  dropped: number;
  /** Items held back by prHourlyLimit / prConcurrentLimit: the caller puts them back in the window. */
  deferred: PendingItem[];
}

const HOUR_MS = 60 * 60 * 1000;

function sourceRepoOf(p: { sources: ReadonlyArray<{ repo: string }> }, fallback: string): string {
  return p.sources[0]?.repo ?? fallback;
}

export async function flushDrift(deps: DriftDeps, input: FlushInput): Promise<FlushOutcome> {
  const { pack, docTarget } = input;
  const trackB = pack.pack.trackB!;
  const key = docKey(docTarget);
  const now = deps.now();
  const scored = input.items.map((p) => {
    const s = { ...score(p.item, docTarget.class, trackB.materiality), sources: p.sources };
    return input.forceRemediation && (s.band === 'digest' || s.band === 'below') && !isProblem(s.item) ? { ...s, band: 'notify' as const } : s;
  });
  const fallbackRepo = docTarget.repo ?? input.items[0]?.sources[0]?.repo ?? '';
  const out: FlushOutcome = { remediated: 0, digested: 0, dropped: 0, deferred: [] };
  const subject = { repo: fallbackRepo };

  const dropped = scored.filter((s) => s.band === 'ignore');
  if (dropped.length) {
    await deps.store.putItems(deps.installationId, pack.pack.id, key, dropped.map((s) => ({ entry: entryOf(s), status: 'dropped' as const, sourceRepo: sourceRepoOf(s, fallbackRepo) })), now);
    await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.items_dropped', subject, details: { doc: key, fingerprints: dropped.map((s) => s.item.fingerprint), scores: dropped.map((s) => s.score) } });
    out.dropped = dropped.length;
  }

  let toRemediate = scored.filter((s) => (s.band === 'auto' || s.band === 'notify') && !isProblem(s.item));
  const toDigest: Array<RemediationEntry & { why?: string }> = scored.filter((s) => s.band === 'digest' || s.band === 'below' || (isProblem(s.item) && s.band !== 'ignore'));

  const active = await deps.store.activeRemediation(deps.installationId, key);
  const allowsPr = trackB.allowedOutputs.includes('remediation_pr');
  if (toRemediate.length && (active?.status === 'stopped' || !allowsPr)) {
    toDigest.push(...toRemediate.map((s) => ({ ...s, why: active?.status === 'stopped' ? 'stopped' : 'no-remediation-output' })));
    toRemediate = [];
  }

  if (toRemediate.length) {
    const exempt = toRemediate.some((s) => s.item.changeClass === 'breaking');
    if (!active && !exempt) {
      const counts = await deps.store.remediationCounts(deps.installationId, new Date(now.getTime() - HOUR_MS));
      const over = counts.openedSince >= trackB.prHourlyLimit ? `prHourlyLimit ${trackB.prHourlyLimit}` : counts.open >= trackB.prConcurrentLimit ? `prConcurrentLimit ${trackB.prConcurrentLimit}` : undefined;
      if (over) {
        out.deferred = input.items.filter((p) => toRemediate.some((s) => s.item.fingerprint === p.item.fingerprint));
        await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.remediation_deferred', subject, details: { doc: key, limit: over, counts, fingerprints: out.deferred.map((p) => p.item.fingerprint) } });
        toRemediate = [];
      }
    }
  }

  if (toRemediate.length) {
    const result = await remediate(deps, input, toRemediate, active);
    out.remediated = result.applied;
    toDigest.push(...result.conflicts.map((s) => ({ ...s, why: 'conflict' })));
  }

  if (toDigest.length) {
    const rows = toDigest.map((s) => ({ entry: entryOf(s), status: 'digest' as const, sourceRepo: sourceRepoOf(s, fallbackRepo) }));
    await deps.store.putItems(deps.installationId, pack.pack.id, key, rows, now);
    out.digested = toDigest.length;
    for (const repo of new Set(rows.map((r) => r.sourceRepo))) await publishDigest(deps, pack, repo);
  }
  await deps.audit({
    installationId: deps.installationId,
    actor: `pack:${pack.pack.id}`,
    type: 'drift.flushed',
    subject,
    details: { doc: key, reason: input.reason, idempotencyKey: input.idempotencyKey, remediated: out.remediated, digested: out.digested, dropped: out.dropped, deferred: out.deferred.length },
  });
  return out;
}

function entryOf(s: ScoredItem & { sources: LedgerEntry['sources'] }): LedgerEntry {
  return { item: s.item, severity: s.severity, sources: s.sources };
}

type Scored = ScoredItem & { sources: LedgerEntry['sources'] };

/** The reviewers of the chain the highest severity requires (users, and team slugs of the doc repo's org). */
export function reviewersFor(pack: ValidPack, severity: Severity, docRepo: string): { reviewers: string[]; teamReviewers: string[] } {
  const org = docRepo.slice(0, docRepo.indexOf('/')).toLowerCase();
  const reviewers = new Set<string>();
  const teams = new Set<string>();
  for (const group of chainTemplateFor(pack.pack, severity).groups) {
    for (const t of group) {
      for (const u of t.tier.users) reviewers.add(u);
      for (const team of t.tier.teams) {
        const [o, slug] = team.includes('/') ? team.split('/', 2) : [org, team];
        if (o!.toLowerCase() === org && slug) teams.add(slug);
      }
    }
  }
  return { reviewers: [...reviewers], teamReviewers: [...teams] };
}

async function remediate(deps: DriftDeps, input: FlushInput, fresh: Scored[], active: Remediation | undefined): Promise<{ applied: number; conflicts: Scored[] }> {
  const { pack, docTarget } = input;
  const trackB = pack.pack.trackB!;
  const key = docKey(docTarget);
  const now = deps.now();
  // What the open remediation already holds stays in it (rebuilt with the new items).
  const held: LedgerItem[] = active ? await deps.store.items(deps.installationId, pack.pack.id, key, ['remediation']) : [];
  const freshFps = new Set(fresh.map((s) => s.item.fingerprint));
  const previous: Scored[] = held.filter((h) => !freshFps.has(h.item.fingerprint)).map((h) => ({ ...score(h.item, docTarget.class, trackB.materiality), sources: h.sources, severity: h.severity }));
  const all = [...previous, ...fresh];

  const doc = await deps.docs.read(docTarget);
  if ('unavailable' in doc) {
    // Nothing can be patched: the items stay visible in the digest, with the reason audited.
    await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.doc_unavailable', subject: { repo: docTarget.repo ?? '' }, details: { doc: key, reason: doc.unavailable } });
    return { applied: 0, conflicts: fresh };
  }
  const patched = all.filter((s) => s.item.patch !== null);
  const { text, applied, conflicts } = applyPatches(doc.text, patched.map((s) => s.item.patch!));
  const conflicting = new Set(conflicts.map((i) => patched[i]!.item.fingerprint));
  const kept = all.filter((s) => !conflicting.has(s.item.fingerprint));
  if (applied.length === 0) return { applied: 0, conflicts: fresh };

  if (docTarget.system === 'confluence') return proposePageUpdate(deps, input, doc, all, fresh, patched, conflicting);
  const auto = kept.every((s) => s.band === 'auto');
  const severity = maxSeverity(kept.map((s) => s.severity)) ?? 'info';
  const origin = driftOrigin(pack);
  const branch = driftBranch(docTarget);
  const secondary = await findSecondaryMentions(deps, pack, docTarget.repo, kept.map((s) => s.item));
  const pr = buildRemediationPr({ packId: pack.pack.id, packName: pack.pack.name, docKey: key, docTarget, entries: kept, mentions: secondary.mentions, unreadable: secondary.unreadable });
  const who = auto ? { reviewers: [], teamReviewers: [] } : reviewersFor(pack, severity, docTarget.repo!);
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'pull_request.upsert',
    idempotencyKey: input.idempotencyKey,
    subject: { repo: docTarget.repo! },
    payload: {
      repo: docTarget.repo!,
      base: doc.base!,
      branch,
      title: pr.title,
      body: pr.body,
      marker: `drift-remediation:${key}`,
      files: [{ path: docTarget.path!, content: text }],
      commitMessage: `${pr.title}\n\nPuddleJumper drift remediation (pack ${pack.pack.id}).`,
      rebuild: { expectBlob: { path: docTarget.path!, sha: doc.version } },
      ...(who.reviewers.length ? { reviewers: who.reviewers } : {}),
      ...(who.teamReviewers.length ? { teamReviewers: who.teamReviewers } : {}),
      ...(auto ? { autoMerge: true } : {}),
    },
    origin,
  });
  const remediation = active ?? (await deps.store.openRemediation({ installationId: deps.installationId, packId: pack.pack.id, docKey: key, system: docTarget.system, repo: docTarget.repo ?? docTarget.id ?? '', branch, openedAt: now.toISOString() }, now));
  await deps.store.putItems(
    deps.installationId,
    pack.pack.id,
    key,
    kept.map((s) => ({ entry: entryOf(s), status: 'remediation' as const, sourceRepo: s.sources[0]?.repo ?? docTarget.repo ?? '', branch: remediation.branch })),
    now,
  );
  return { applied: kept.filter((s) => freshFps.has(s.item.fingerprint)).length, conflicts: fresh.filter((s) => conflicting.has(s.item.fingerprint)) };
}

/**
 * A Confluence page: the patches made on its Markdown view are mapped onto the storage
 * body; items whose edits would change structure (or have no patch) go to the digest. The
 * update is released at once in the auto band, else it waits for the approval chain.
 */
async function proposePageUpdate(
  deps: DriftDeps,
  input: FlushInput,
  doc: { text: string; version: string; title?: string; storage?: string },
  all: Scored[],
  fresh: Scored[],
  patched: Scored[],
  conflicting: Set<string>,
): Promise<{ applied: number; conflicts: Scored[] }> {
  const { pack, docTarget } = input;
  const key = docKey(docTarget);
  const now = deps.now();
  const storage = doc.storage ?? doc.text;
  const view = projectStorage(storage);
  const mapped: Array<{ s: Scored; edits: TextEdit[] }> = [];
  for (const s of patched) {
    if (conflicting.has(s.item.fingerprint)) continue;
    const edits = storageEdits(view, s.item.patch!.edits);
    if (edits) mapped.push({ s, edits });
  }
  const done = new Set(mapped.map((m) => m.s.item.fingerprint));
  const left = fresh.filter((s) => !done.has(s.item.fingerprint));
  if (mapped.length === 0) return { applied: 0, conflicts: left };
  const edits = mapped.flatMap((m) => m.edits);
  const kept = all.filter((s) => done.has(s.item.fingerprint));
  const auto = kept.every((s) => s.band === 'auto');
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'confluence.page_update',
    idempotencyKey: input.idempotencyKey,
    subject: { repo: fresh[0]?.sources[0]?.repo ?? key },
    payload: {
      pageId: docTarget.id!,
      title: doc.title ?? docTarget.id!,
      baseVersion: Number(doc.version),
      baseText: storage,
      text: applyEdits(storage, edits),
      edits,
      message: `PuddleJumper: ${kept.length} drift fix${kept.length === 1 ? '' : 'es'} (pack ${pack.pack.id})`,
    },
    origin: driftOrigin(pack),
    ...(auto ? {} : { awaitChain: `${PROPOSAL_KEY_PREFIX}${key}:${input.idempotencyKey}` }),
  });
  if (!auto) await proposeApproval(deps, input, doc.title ?? docTarget.id!, kept, `${PROPOSAL_KEY_PREFIX}${key}:${input.idempotencyKey}`);
  const remediation = (await deps.store.activeRemediation(deps.installationId, key)) ?? (await deps.store.openRemediation({ installationId: deps.installationId, packId: pack.pack.id, docKey: key, system: 'confluence', repo: docTarget.id ?? '', branch: `confluence:${docTarget.id}`, openedAt: now.toISOString() }, now));
  await deps.store.putItems(deps.installationId, pack.pack.id, key, kept.map((s) => ({ entry: entryOf(s), status: 'remediation' as const, sourceRepo: s.sources[0]?.repo ?? '', branch: remediation.branch })), now);
  return { applied: kept.filter((s) => fresh.includes(s)).length, conflicts: left };
}

/**
 * The proposal issue of a Confluence update that waits for its chain: in the source repo,
 * what the update changes and who must approve it; `/approve` there releases it.
 */
async function proposeApproval(deps: DriftDeps, input: FlushInput, title: string, kept: Scored[], chainKey: string): Promise<void> {
  const { pack } = input;
  const severity = maxSeverity(kept.map((s) => s.severity)) ?? 'info';
  const repo = kept[0]?.sources[0]?.repo;
  if (!repo) return;
  const tiers = chainTemplateFor(pack.pack, severity).groups.flatMap((g) => g.map((t) => t.tier.name));
  const items = kept.map((s) => `- \`${s.item.rule}\` ${s.item.subject}${s.sources[0] ? ` — from ${s.sources[0].repo}${s.sources[0].number !== undefined ? `#${s.sources[0].number}` : ''}` : ''}`).join('\n');
  const body = [
    `PuddleJumper proposes an update of the Confluence page **${title}** (pack \`${pack.pack.id}\`), fixing ${kept.length} drift item${kept.length === 1 ? '' : 's'}:`,
    '',
    items,
    '',
    tiers.length ? `It waits for approval by: ${[...new Set(tiers)].join(', ')} (severity ${severity}). Comment \`/approve\` to release it, or \`/reject <reason>\`.` : 'No tier is required at this severity.',
  ].join('\n');
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'issue.upsert',
    idempotencyKey: `${PROPOSAL_KEY_PREFIX}issue:${chainKey}`,
    subject: { repo },
    payload: { repo, title: `PuddleJumper: approve the update of Confluence page "${title}"`, body, marker: chainKey, proposal: { chainKey, severity } },
    origin: driftOrigin(pack),
  });
}
