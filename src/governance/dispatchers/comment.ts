// comment.upsert: one comment per marker on an issue or PR, found by its hidden marker
// (or the id a previous revision stored) and edited in place. The search runs only when
// an earlier attempt or revision may have posted it: a first post costs one call.
import { markerComment } from '../action.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit } from '../../github/octokit.js';
import { CommentPayloadSchema, payloadProblem, type CommentPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { findPaged, PER_PAGE, withMarker } from './find.js';

export function commentDispatcher(options: { getOctokit: GetOctokit }): Dispatcher<CommentPayload> {
  return {
    kind: 'comment.upsert',
    validate: (payload) => payloadProblem('comment.upsert', CommentPayloadSchema, payload),
    async dispatch({ action, payload: p, previousResult, signal }) {
      const { owner, repo } = splitRepo(p.repo);
      const octokit = prepareOctokit(await options.getOctokit(action.installationId), action.installationId);
      const request = requestWithSignal(octokit, signal);
      const marker = markerComment(p.marker);
      const body = withMarker(p.body, marker);
      const edit = async (commentId: number) => {
        await request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: commentId, body });
        return { commentId, created: false };
      };
      const known = (await previousResult())?.commentId;
      if (typeof known === 'number') {
        try {
          return await edit(known);
        } catch (error) {
          if (!hasStatus(error, 404)) throw error; // deleted by someone: find or create again
        }
      }
      const mayExist = action.attempts > 1 || action.revision > 1;
      const found = !mayExist ? undefined : await findPaged(
        async (page) =>
          (await request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: p.issueNumber, per_page: PER_PAGE, page })).data,
        (c) => (c.body ?? '').includes(marker),
      );
      if (found !== undefined) return edit(Number(found.id));
      const res = await request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: p.issueNumber, body });
      return { commentId: Number(res.data.id), created: true };
    },
  };
}
