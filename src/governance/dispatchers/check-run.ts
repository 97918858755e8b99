// check_run.upsert: one check run per (name, head sha), created once and then updated
// by id. The id is cached in `check_runs`. Without it, GitHub is asked before anything
// is created only when an earlier attempt or revision may have created it already (a
// resumed dispatch that died before storing the id): a first creation costs one call.
//
// Annotations: GitHub takes at most 50 per request and appends those of every update, so
// nothing may be sent twice. Every request that carries annotations also ends the summary
// with a hidden progress marker, `<!-- puddlejumper:annotations DIGEST SENT/TOTAL -->`:
// the marker and the batch land together or not at all, so the check run on GitHub
// itself records which batches it accepted. An attempt that may follow a partial one (a
// retry, or a revision after one that never finished) reads the run's summary first and
// resumes after the last accepted batch; a batch whose answer was lost is not re-sent.
// The cheap path stays as it was: the same annotations as the previous revision that
// finished are not sent again, with no extra read.
import { z } from 'zod';
import type { CheckAnnotation, CheckRunPayload } from '../../report/check-run.js';
import { ANNOTATIONS_PER_REQUEST, CHECK_SUMMARY_LIMIT } from '../../report/check-run.js';
import type { CheckRunIds } from '../../store/check-runs.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit, type Octokit } from '../../github/octokit.js';
import type { ActionRecord } from '../action.js';
import { CheckRunPayloadSchema, payloadProblem } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { canonicalJson, sha256Hex } from '../../canonical.js';

export interface CheckRunDispatcherOptions {
  checkRunIds: CheckRunIds;
  getOctokit: GetOctokit;
  now?: () => Date;
}

type Request = Octokit['request'];

/** A check run as GitHub returns it (only what is read here). */
const RunResponse = z.object({
  id: z.union([z.number(), z.string()]),
  name: z.string().optional(),
  head_sha: z.string().optional(),
  external_id: z.string().nullable().optional(),
  output: z.object({ summary: z.string().nullable().optional() }).partial().nullable().optional(),
});
type Run = z.infer<typeof RunResponse>;
const RunList = z.object({ check_runs: z.array(RunResponse) });

// ---- the progress marker ------------------------------------------------------------------

const MARKER = /\n\n<!-- puddlejumper:annotations ([0-9a-f]{64}) (\d+)\/(\d+) -->$/;

function marker(digest: string, sent: number, total: number): string {
  return `\n\n<!-- puddlejumper:annotations ${digest} ${sent}/${total} -->`;
}

/** The summary with the marker at its very end, within GitHub's limit. */
export function withMarker(summary: string, digest: string, sent: number, total: number): string {
  const m = marker(digest, sent, total);
  const room = CHECK_SUMMARY_LIMIT - m.length;
  return (summary.length <= room ? summary : `${summary.slice(0, room - 2)}\n…`) + m;
}

/** How many of the annotations with this digest the run already holds, by its summary's marker. */
export function sentByMarker(summary: string | null | undefined, digest: string): number {
  const m = summary ? MARKER.exec(summary) : null;
  if (!m || m[1] !== digest) return 0;
  return Math.min(Number(m[2]), Number(m[3]));
}

// ---- GitHub reads ------------------------------------------------------------------------

async function findExisting(request: Request, owner: string, repo: string, p: CheckRunPayload): Promise<Run | undefined> {
  const res = await request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
    owner,
    repo,
    ref: p.headSha,
    check_name: p.name,
    filter: 'latest',
    per_page: 100,
  });
  const runs = RunList.parse(res.data, { reportInput: false }).check_runs.filter((r) => r.name === p.name && r.head_sha === p.headSha);
  // Only a run that carries our external id is ours: another app (or an Actions job) may
  // publish a check of the same name on the same commit.
  return p.externalId === undefined ? runs[0] : runs.find((r) => r.external_id === p.externalId);
}

/** The run's summary, or undefined when the id is stale (404). */
async function readRun(request: Request, owner: string, repo: string, id: number): Promise<Run | undefined> {
  try {
    const res = await request('GET /repos/{owner}/{repo}/check-runs/{check_run_id}', { owner, repo, check_run_id: id });
    return RunResponse.parse(res.data, { reportInput: false });
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

// ---- the plan of one attempt -------------------------------------------------------------

interface Plan {
  digest: string;
  /** Known sent without asking GitHub: the previous finished revision sent the same set. */
  alreadySent: boolean;
  /** An earlier attempt or revision may have sent part of them: read the run's marker. */
  inDoubt: boolean;
}

async function plan(action: ActionRecord, p: CheckRunPayload, cached: boolean, previousResult: () => Promise<Record<string, unknown> | null>): Promise<Plan> {
  const digest = sha256Hex(canonicalJson(p.annotations));
  if (p.annotations.length === 0) return { digest, alreadySent: false, inDoubt: false };
  const previous = await previousResult();
  const alreadySent = cached && previous?.annotationsDigest === digest;
  // The revision before this one never finished (superseded or failed mid-batches), or
  // this is a retry: part of the set may be on the run already.
  const gap = action.revision > 1 && previous?.revision !== action.revision - 1;
  return { digest, alreadySent, inDoubt: !alreadySent && (action.attempts > 1 || gap) };
}

/** Sends the payload's annotations from `skip` on, 50 a request, each request stamped with the progress marker. */
class Writer {
  private sent: number;
  readonly total: number;
  constructor(
    private readonly request: Request,
    private readonly where: { owner: string; repo: string },
    private readonly p: CheckRunPayload,
    private readonly digest: string,
    readonly skip: number,
  ) {
    this.sent = skip;
    this.total = p.annotations.length;
  }

  /** The batches still to send; the first one rides on the request that updates or creates the run. */
  batches(): CheckAnnotation[][] {
    const rest = this.p.annotations.slice(this.skip);
    const out: CheckAnnotation[][] = [];
    for (let i = 0; i < rest.length; i += ANNOTATIONS_PER_REQUEST) out.push(rest.slice(i, i + ANNOTATIONS_PER_REQUEST));
    return out.length > 0 ? out : [[]];
  }

  private output(annotations: CheckAnnotation[]) {
    const sent = this.sent + annotations.length;
    const summary = this.total > 0 ? withMarker(this.p.summary, this.digest, sent, this.total) : this.p.summary;
    return { title: this.p.title, summary, ...(this.p.text !== undefined ? { text: this.p.text } : {}), annotations };
  }

  private fields() {
    const p = this.p;
    return {
      name: p.name,
      status: p.status,
      ...(p.conclusion !== undefined && p.status === 'completed' ? { conclusion: p.conclusion } : {}),
      ...(p.detailsUrl !== undefined ? { details_url: p.detailsUrl } : {}),
      ...(p.externalId !== undefined ? { external_id: p.externalId } : {}),
    };
  }

  /** The first request on an existing run: status, conclusion and output with the first batch. */
  async update(id: number, batch: CheckAnnotation[], withFields = true): Promise<void> {
    const body = { ...this.where, check_run_id: id, ...(withFields ? this.fields() : {}), output: this.output(batch) };
    await this.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', body);
    this.sent += batch.length; // only once GitHub has answered
  }

  async create(batch: CheckAnnotation[]): Promise<number> {
    const res = await this.request('POST /repos/{owner}/{repo}/check-runs', { ...this.where, head_sha: this.p.headSha, ...this.fields(), output: this.output(batch) });
    this.sent += batch.length;
    return Number(res.data.id);
  }
}

export function checkRunDispatcher(options: CheckRunDispatcherOptions): Dispatcher<CheckRunPayload> {
  const now = options.now ?? (() => new Date());
  return {
    kind: 'check_run.upsert',
    validate: (payload) => payloadProblem('check_run.upsert', CheckRunPayloadSchema, payload),
    async dispatch({ action, payload: p, previousResult, signal }) {
      const where = splitRepo(action.subject.repo);
      const { owner, repo } = where;
      const octokit = prepareOctokit(await options.getOctokit(action.installationId), action.installationId);
      // Aborted when the attempt times out, so a late call never races its own retry.
      const request = requestWithSignal(octokit, signal);
      const key = { installationId: action.installationId, repo: action.subject.repo, headSha: p.headSha, name: p.name };
      const cachedId = await options.checkRunIds.get(key);
      const { digest, alreadySent, inDoubt } = await plan(action, p, cachedId !== undefined, previousResult);

      // 1. Which run, and how many of these annotations it already holds.
      let id = cachedId;
      let run: Run | undefined;
      if (inDoubt && id !== undefined) {
        run = await readRun(request, owner, repo, id);
        if (run === undefined) id = undefined; // stale cache entry: look it up again
      }
      if (id === undefined && (action.attempts > 1 || action.revision > 1 || cachedId !== undefined)) {
        run = await findExisting(request, owner, repo, p);
        if (run !== undefined) id = Number(run.id);
      }
      const held = (r: Run | undefined) => sentByMarker(r?.output?.summary, digest);
      let writer = new Writer(request, where, p, digest, alreadySent ? p.annotations.length : held(run));
      let [first = [], ...rest] = writer.batches();

      // 2. The first request: an update of the run, or its creation.
      let created = false;
      if (id !== undefined) {
        try {
          await writer.update(id, first);
        } catch (error) {
          // Only a cached id that was not read just now can be stale: look the run up.
          if (!hasStatus(error, 404) || run !== undefined) throw error;
          run = await findExisting(request, owner, repo, p);
          id = run === undefined ? undefined : Number(run.id);
          writer = new Writer(request, where, p, digest, held(run));
          [first = [], ...rest] = writer.batches();
          if (id !== undefined) await writer.update(id, first);
        }
      }
      if (id === undefined) {
        id = await writer.create(first);
        created = true;
      }
      const checkRunId: number = id;
      if (checkRunId !== cachedId) await options.checkRunIds.set(key, checkRunId, now());
      // 3. The further batches repeat the output's title and summary (both required on every update).
      for (const batch of rest) await writer.update(checkRunId, batch, false);
      return { checkRunId, created, annotations: writer.total, annotationsDigest: digest, revision: action.revision, resumedAfter: writer.skip, requests: 1 + rest.length };
    },
  };
}
