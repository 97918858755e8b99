// issue.upsert: one open issue per marker (digest issues), found by its hidden marker
// among the open issues carrying its first label (or all open issues), edited in place.
// `state: closed` closes it (an empty digest); when there is none, nothing is created.
import { markerComment } from '../action.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit } from '../../github/octokit.js';
import { IssuePayloadSchema, payloadProblem, type IssuePayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { findPaged, PER_PAGE, withMarker } from './find.js';

export function issueDispatcher(options: { getOctokit: GetOctokit }): Dispatcher<IssuePayload> {
  return {
    kind: 'issue.upsert',
    validate: (payload) => payloadProblem('issue.upsert', IssuePayloadSchema, payload),
    async dispatch({ action, payload: p, previousResult, signal }) {
      const { owner, repo } = splitRepo(p.repo);
      const octokit = prepareOctokit(await options.getOctokit(action.installationId), action.installationId);
      const request = requestWithSignal(octokit, signal);
      const marker = markerComment(p.marker);
      const body = withMarker(p.body, marker);
      const closing = p.state === 'closed';
      const fields = { title: p.title, body, ...(p.labels !== undefined ? { labels: p.labels } : {}), ...(closing ? { state: 'closed' as const } : {}) };
      const edit = async (issueNumber: number) => {
        await request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo, issue_number: issueNumber, ...fields });
        return { issueNumber, created: false, ...(closing ? { closed: true } : {}) };
      };
      const known = (await previousResult())?.issueNumber;
      if (typeof known === 'number') {
        try {
          const current = await request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner, repo, issue_number: known });
          if (current.data.state === 'open' && (current.data.body ?? '').includes(marker)) return await edit(known);
        } catch (error) {
          if (!hasStatus(error, 404) && !hasStatus(error, 410)) throw error;
        }
      }
      const label = p.labels?.[0];
      const found = await findPaged(
        async (page) =>
          (
            await request('GET /repos/{owner}/{repo}/issues', {
              owner,
              repo,
              state: 'open',
              per_page: PER_PAGE,
              page,
              ...(label !== undefined ? { labels: label } : {}),
            })
          ).data,
        (i) => i.pull_request === undefined && (i.body ?? '').includes(marker),
      );
      if (found !== undefined) return edit(found.number);
      if (closing) return { issueNumber: null, created: false, closed: false };
      const res = await request('POST /repos/{owner}/{repo}/issues', { owner, repo, ...fields });
      return { issueNumber: res.data.number, created: true };
    },
  };
}
