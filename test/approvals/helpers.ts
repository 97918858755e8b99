// Shared fixtures for the approvals tests (not a test file itself).
import { createRequire } from 'node:module';
import type { AuditEventInput } from '../../src/governance/audit.js';
import type { Pack } from '../../src/packs/schema.js';
import { Pack as PackSchema } from '../../src/packs/schema.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { templateForPacks } from '../../src/approvals/template.js';
import type { Chain } from '../../src/approvals/chain.js';
import type { CommentFacts, ReviewFacts } from '../../src/approvals/facts.js';
import type { MembershipLookup } from '../../src/github/team-membership.js';
import { readComment, readReview } from '../../src/github/payloads.js';
import { sqlChainRepository, type ChainRepository } from '../../src/store/chains.js';
import { sqlDismissedReviews, sqlReplyLimits } from '../../src/store/approval-inputs.js';
import type { ApprovalDeps } from '../../src/usecases/approval-steps.js';
import { ensureChain } from '../../src/usecases/ensure-chain.js';
import { handleComment } from '../../src/usecases/handle-comment.js';
import { handleReview } from '../../src/usecases/handle-review.js';
import { memoryChainRepository } from './memory-chains.js';
import { chainEventsMetrics } from '../../src/metrics.js';

const require = createRequire(import.meta.url);
type Example = { name: string; examples: Array<Record<string, any>> };
const examples = require('@octokit/webhooks-examples') as Example[];

export function example(name: string, action: string): Record<string, any> {
  const ex = examples.find((e) => e.name === name)?.examples.find((x) => x.action === action);
  if (!ex) throw new Error(`no ${name}.${action} example`);
  return structuredClone(ex);
}

export const REPO = 'Codertocat/Hello-World';
export const PR = 2;
export const HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
export const AUTHOR = 'Codertocat';

export function pack(over: Record<string, unknown> = {}): Pack {
  return PackSchema.parse({
    id: 'payments-api',
    name: 'Payments',
    scope: { type: 'workspace' },
    approvalTiers: {
      tier1: { name: 'Team Lead', users: ['alice'], teams: ['acme/team-leads'], requiredFor: ['medium', 'high', 'critical'] },
      tier2: { name: 'Director', teams: ['acme/directors'], requiredFor: ['high', 'critical'] },
      tier3: { name: 'CTO', users: ['cto'], requiredFor: ['critical'] },
    },
    ...over,
  });
}

/** A real pull_request_review payload, shaped for one case. */
export function reviewPayload(o: {
  action?: 'submitted' | 'dismissed';
  state: string;
  login: string;
  type?: string;
  id?: number;
  commitId?: string;
  prHead?: string;
}): Record<string, any> {
  const p = example('pull_request_review', 'submitted');
  p.action = o.action ?? 'submitted';
  p.review.state = o.state;
  p.review.user = { ...p.review.user, login: o.login, type: o.type ?? 'User' };
  p.review.id = o.id ?? 1000;
  p.review.commit_id = o.commitId ?? HEAD;
  p.pull_request.head.sha = o.prHead ?? HEAD;
  p.sender = { ...p.sender, login: o.login, type: o.type ?? 'User' };
  return p;
}

/** Later than any clock in these tests, so a comment is never older than its chain unless a test says so. */
export const COMMENTED_AT = '2099-01-01T00:00:00Z';

/** A real issue_comment payload moved onto PR #2. */
export function commentPayload(o: {
  action?: 'created' | 'edited' | 'deleted';
  body: string;
  login: string;
  type?: string;
  id?: number;
  from?: string;
  /** When GitHub says it was posted; default: after every chain in these tests (the example's is from 2019). */
  createdAt?: string;
}): Record<string, any> {
  const action = o.action ?? 'created';
  const p = example('issue_comment', action);
  p.comment.created_at = o.createdAt ?? COMMENTED_AT;
  p.issue.number = PR;
  p.issue.pull_request = { url: `https://api.github.com/repos/${REPO}/pulls/${PR}` };
  p.comment.body = o.body;
  p.comment.id = o.id ?? 5000;
  p.comment.user = { ...p.comment.user, login: o.login, type: o.type ?? 'User' };
  p.sender = { ...p.sender, login: o.login, type: o.type ?? 'User' };
  if (o.from !== undefined) p.changes = { body: { from: o.from } };
  return p;
}

/** GitHub App webhooks always name the installation; some public examples leave it out. */
const installed = (p: Record<string, any>) => ({ installation: { id: 1 }, ...p });
export const factsFromCommentPayload = (p: Record<string, any>): CommentFacts | undefined => readComment(installed(p));
export const factsFromReviewPayload = (p: Record<string, any>): ReviewFacts => readReview(installed(p))!;
export const comment = (o: Parameters<typeof commentPayload>[0]) => factsFromCommentPayload(commentPayload(o))!;
export const review = (o: Parameters<typeof reviewPayload>[0]) => factsFromReviewPayload(reviewPayload(o));

/** Team members by "org/slug" (lower-case logins). */
export function fakeTeams(teams: Record<string, string[]>): MembershipLookup & { calls: number } {
  const m = {
    calls: 0,
    async isTeamMember(org: string, slug: string, login: string) {
      m.calls++;
      return (teams[`${org}/${slug}`.toLowerCase()] ?? []).includes(login.toLowerCase());
    },
  };
  return m;
}

/** The chain stores the approvals suites run on: SQLite, and the in-memory one. */
export type StoreKind = 'sqlite' | 'memory';
export const STORE_KINDS: StoreKind[] = ['sqlite', 'memory'];

export async function setup(o: { membership?: MembershipLookup; start?: string; store?: StoreKind } = {}) {
  const db = await openMemoryDatabase();
  const chains: ChainRepository = o.store === 'memory' ? memoryChainRepository() : sqlChainRepository(db);
  const clock = { now: new Date(o.start ?? '2026-03-01T10:00:00Z') };
  const audits: AuditEventInput[] = [];
  const replies: Array<{ repo: string; issue: number; body: string }> = [];
  const published: Array<{ chain: Chain; headSha: string }> = [];
  const membership = o.membership ?? fakeTeams({ 'acme/team-leads': ['lead2'], 'acme/directors': ['dana', 'dave'] });
  const deps: ApprovalDeps = {
    chains,
    now: () => clock.now,
    isTeamMember: (org, slug, login) => membership.isTeamMember(org, slug, login),
    appSlug: 'puddlejumper',
    audit: async (e) => {
      audits.push(e);
    },
    publish: async (chain, headSha) => {
      published.push({ chain, headSha });
    },
    reply: async (repo, issue, body) => {
      replies.push({ repo, issue, body });
    },
    metrics: chainEventsMetrics,
    installationId: null,
    replyLimits: sqlReplyLimits(db),
    dismissedReviews: sqlDismissedReviews(db),
  };
  const svc = {
    onComment: (f: CommentFacts) => handleComment(deps, f),
    onReview: (f: ReviewFacts) => handleReview(deps, f),
  };
  const tick = (seconds: number) => {
    clock.now = new Date(clock.now.getTime() + seconds * 1000);
  };
  async function ensure(p: Pack = pack(), severity: 'high' | 'critical' | 'medium' | 'low' = 'high', headSha = HEAD) {
    const pr = { installationId: 1, repo: REPO, number: PR, baseSha: 'b'.repeat(40), headSha, author: { login: AUTHOR, type: 'User' }, labels: [] };
    return { ...(await ensureChain(deps, pr, severity, templateForPacks([p], severity))), headSha };
  }
  const types = (kind?: string) => audits.filter((a) => kind === undefined || a.type === kind).map((a) => a.type);
  /** The PR's current chain (newest first). */
  const current = async () => (await chains.forPr(REPO, PR))[0]?.chain;
  return { db, chains, clock, tick, audits, replies, published, deps, svc, ensure, types, current };
}
