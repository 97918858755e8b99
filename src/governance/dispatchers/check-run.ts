// check_run.upsert: one check run per (name, head sha), created once and then updated
// by id. The id is cached in `check_runs`. Without it, GitHub is asked before anything
// is created only when an earlier attempt or revision may have created it already (a
// resumed dispatch that died before storing the id): a first creation costs one call.
// GitHub appends the annotations of every update, so annotations already sent for this
// check (same digest as the previous revision's) are not sent again.
import type { CheckAnnotation, CheckRunPayload } from '../../report/check-run.js';
import { ANNOTATIONS_PER_REQUEST } from '../../report/check-run.js';
import type { CheckRunIds } from '../../store/check-runs.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit, type Octokit } from '../../github/octokit.js';
import { CheckRunPayloadSchema, payloadProblem } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { canonicalJson, sha256Hex } from '../../canonical.js';

export interface CheckRunDispatcherOptions {
  checkRunIds: CheckRunIds;
  getOctokit: GetOctokit;
  now?: () => Date;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length > 0 ? out : [[]];
}

async function findExisting(request: Octokit['request'], owner: string, repo: string, p: CheckRunPayload): Promise<number | undefined> {
  const res = await request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner,
    repo,
    ref: p.headSha,
    check_name: p.name,
    filter: 'latest',
    per_page: 100,
  });
  const runs = res.data.check_runs.filter((r) => r.name === p.name && r.head_sha === p.headSha);
  // Only a run that carries our external id is ours: another app (or an Actions job) may
  // publish a check of the same name on the same commit.
  const mine = p.externalId === undefined ? runs : runs.filter((r) => r.external_id === p.externalId);
  const id = mine[0]?.id;
  return id === undefined ? undefined : Number(id);
}

export function checkRunDispatcher(options: CheckRunDispatcherOptions): Dispatcher<CheckRunPayload> {
  const now = options.now ?? (() => new Date());
  return {
    kind: 'check_run.upsert',
    validate: (payload) => payloadProblem('check_run.upsert', CheckRunPayloadSchema, payload),
    async dispatch({ action, payload: p, previousResult, signal }) {
      const { owner, repo } = splitRepo(action.subject.repo);
      const octokit = prepareOctokit(await options.getOctokit(action.installationId), action.installationId);
      // Aborted when the attempt times out, so a late call never races its own retry.
      const request = requestWithSignal(octokit, signal);
      const key = { installationId: action.installationId, repo: action.subject.repo, headSha: p.headSha, name: p.name };
      const cachedId = await options.checkRunIds.get(key);
      const cached = cachedId === undefined ? undefined : { check_run_id: cachedId };

      const annotationsDigest = sha256Hex(canonicalJson(p.annotations));
      const alreadySent = cached !== undefined && p.annotations.length > 0 && (await previousResult())?.annotationsDigest === annotationsDigest;
      const [first = [], ...rest] = chunks<CheckAnnotation>(alreadySent ? [] : p.annotations, ANNOTATIONS_PER_REQUEST);
      const output = (annotations: CheckAnnotation[]) => ({
        title: p.title,
        summary: p.summary,
        ...(p.text !== undefined ? { text: p.text } : {}),
        annotations,
      });
      const fields = {
        name: p.name,
        status: p.status,
        ...(p.conclusion !== undefined && p.status === 'completed' ? { conclusion: p.conclusion } : {}),
        ...(p.detailsUrl !== undefined ? { details_url: p.detailsUrl } : {}),
        ...(p.externalId !== undefined ? { external_id: p.externalId } : {}),
      };
      const update = (id: number) =>
        request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: id, ...fields, output: output(first) });

      let id = cached?.check_run_id;
      let created = false;
      if (id !== undefined) {
        try {
          await update(id);
        } catch (error) {
          if (!hasStatus(error, 404)) throw error;
          id = undefined; // stale cache entry: look it up again
        }
      }
      if (id === undefined) {
        const mayExist = action.attempts > 1 || action.revision > 1 || cached !== undefined;
        id = mayExist ? await findExisting(request, owner, repo, p) : undefined;
        if (id !== undefined) {
          await update(id);
        } else {
          const res = await request('POST /repos/{owner}/{repo}/check-runs', {
            owner,
            repo,
            head_sha: p.headSha,
            ...fields,
            output: output(first),
          });
          id = Number(res.data.id);
          created = true;
        }
        const checkRunId = id;
        await options.checkRunIds.set(key, checkRunId, now());
      }
      const checkRunId: number = id;
      // GitHub takes at most 50 annotations per request; the rest go in further updates
      // that repeat the output's title and summary (both are required on every update).
      for (const batch of rest) {
        await request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: checkRunId, output: output(batch) });
      }
      return { checkRunId, created, annotations: p.annotations.length, annotationsDigest, requests: 1 + rest.length };
    },
  };
}
