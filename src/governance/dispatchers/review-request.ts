// review_request.sync: brings the reviewers PuddleJumper asked for on a pull request to the
// state the planner computed — the users and teams of the active steps requested, those of
// decided steps withdrawn. Both GitHub calls are idempotent (requesting someone already
// requested, or withdrawing someone not requested, changes nothing), so a retry or a
// redelivery is harmless. GitHub refuses a whole request (422) when one reviewer cannot be
// asked (not a collaborator, the PR author); then each is asked alone and the refused ones
// are reported in the result instead of failing the others. A sync carries the time of its
// chain state (`asOf`); one older than the last applied (an old snapshot planned late) is skipped.
import { canonicalJson, sha256Hex } from '../../canonical.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit } from '../../github/octokit.js';
import { payloadProblem, ReviewRequestPayloadSchema, type ReviewRequestPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';

export function reviewRequestDispatcher(options: { getOctokit: GetOctokit }): Dispatcher<ReviewRequestPayload> {
  return {
    kind: 'review_request.sync',
    validate: (payload) => payloadProblem('review_request.sync', ReviewRequestPayloadSchema, payload),
    async dispatch({ action, payload: p, previousResult, signal }) {
      const previous = await previousResult();
      const appliedAsOf = typeof previous?.asOf === 'string' ? previous.asOf : undefined;
      const appliedDigest = typeof previous?.digest === 'string' ? previous.digest : undefined;
      const { asOf: _asOf, ...wanted } = p;
      const digest = sha256Hex(canonicalJson(wanted));
      if (p.asOf !== undefined && appliedAsOf !== undefined) {
        // An older chain state planned late (the PR already reflects a newer one), or the state already applied.
        if (p.asOf < appliedAsOf) return { skipped: 'stale', asOf: appliedAsOf, ...(appliedDigest ? { digest: appliedDigest } : {}) };
        if (p.asOf === appliedAsOf && appliedDigest === digest) return { skipped: 'unchanged', asOf: appliedAsOf, digest };
      }
      const { owner, repo } = splitRepo(p.repo);
      const octokit = prepareOctokit(await options.getOctokit(action.installationId), action.installationId);
      const request = requestWithSignal(octokit, signal);
      const route = { owner, repo, pull_number: p.prNumber };
      const refused: string[] = [];
      const requested = { users: [] as string[], teams: [] as string[] };

      if (p.reviewers.length + p.teamReviewers.length > 0) {
        try {
          await request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', { ...route, reviewers: p.reviewers, team_reviewers: p.teamReviewers });
          requested.users.push(...p.reviewers);
          requested.teams.push(...p.teamReviewers);
        } catch (error) {
          if (!hasStatus(error, 422)) throw error;
          const single = [...p.reviewers.map((u) => ({ reviewers: [u], team_reviewers: [] as string[], name: u, team: false }))]
            .concat(p.teamReviewers.map((t) => ({ reviewers: [], team_reviewers: [t], name: `team ${t}`, team: true })));
          for (const one of single) {
            try {
              await request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', { ...route, reviewers: one.reviewers, team_reviewers: one.team_reviewers });
              (one.team ? requested.teams : requested.users).push(one.reviewers[0] ?? one.team_reviewers[0]!);
            } catch (e) {
              if (!hasStatus(e, 422)) throw e;
              refused.push(one.name);
            }
          }
        }
      }
      if (p.withdrawReviewers.length + p.withdrawTeamReviewers.length > 0) {
        await request('DELETE /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
          ...route,
          reviewers: p.withdrawReviewers,
          team_reviewers: p.withdrawTeamReviewers,
        });
      }
      return {
        requested,
        withdrawn: { users: p.withdrawReviewers, teams: p.withdrawTeamReviewers },
        ...(refused.length > 0 ? { refused } : {}),
        ...(p.asOf !== undefined ? { asOf: p.asOf } : {}),
        digest,
      };
    },
  };
}
