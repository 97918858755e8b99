import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { ActionProposal } from '../../src/governance/action.js';
import { AuditLog } from '../../src/governance/audit.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { commentDispatcher, slackDispatcher } from '../../src/governance/dispatchers/index.js';
import type { Fetch } from '../../src/governance/dispatchers/http.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { LocalPolicyProvider } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry, type Dispatcher } from '../../src/governance/registry.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { silentLog, testOctokit } from './helpers.js';

const RETRY = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 };

async function pipelineWith(dispatcher: Dispatcher<never>) {
  const db = await openMemoryDatabase();
  const registry = new DispatcherRegistry().register(dispatcher, RETRY);
  const pipeline = new ActionOutbox({ db, registry, policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db))), log: silentLog, dispatchTimeoutMs: 30, random: () => 0.5 });
  return pipeline;
}

const proposal = (kind: string, payload: unknown): ActionProposal => ({
  installationId: 1,
  kind,
  idempotencyKey: `${kind}:1`,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload,
});

describe('a timed-out dispatch is cancelled, not left running beside its retry', () => {
  it('the pipeline aborts the DispatchContext signal when it stops waiting', async () => {
    let seen: AbortSignal | undefined;
    const pipeline = await pipelineWith({
      kind: 'test.slow',
      dispatch: ({ signal }) => {
        seen = signal;
        return new Promise(() => {}); // never answers
      },
    });
    const action = await pipeline.propose(proposal('test.slow', {}));
    expect(await pipeline.dispatchDue()).toBe(1);
    expect(seen?.aborted).toBe(true);
    expect((seen?.reason as Error).name).toBe('TimeoutError');
    const after = await pipeline.get(action.id);
    expect(after).toMatchObject({ status: 'approved', lastError: 'dispatch timed out after 30 ms' }); // scheduled for a retry
  });

  it('an HTTP dispatcher passes the signal to fetch', async () => {
    let signal: AbortSignal | undefined | null;
    const fetchFn = ((_url: string, init?: RequestInit) => {
      signal = init?.signal;
      return new Promise<Response>((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    }) as unknown as Fetch;
    const pipeline = await pipelineWith(slackDispatcher({ env: { SLACK_WEBHOOK_URL: 'https://hooks.example/x' }, fetch: fetchFn }) as Dispatcher<never>);
    await pipeline.propose(proposal('notify.slack', { target: '#platform', text: 'hi' }));
    expect(await pipeline.dispatchDue()).toBe(1);
    expect(signal?.aborted).toBe(true);
    expect((signal?.reason as Error | undefined)?.name).toBe('TimeoutError'); // the dispatch's, not fetch's own 15 s timeout
  });

  it('a GitHub dispatcher passes the signal to octokit.request: the request is aborted', async () => {
    nock('https://api.github.com').post('/repos/acme/api/issues/7/comments').delay(3_000).reply(201, { id: 1 });
    const errors: unknown[] = [];
    const octokit = testOctokit();
    octokit.hook.error('request', (error) => {
      errors.push(error);
      throw error;
    });
    const pipeline = await pipelineWith(commentDispatcher({ getOctokit: async () => octokit }) as Dispatcher<never>);
    await pipeline.propose(proposal('comment.upsert', { repo: 'acme/api', issueNumber: 7, body: 'hello', marker: 'm' }));
    const started = Date.now();
    expect(await pipeline.dispatchDue()).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(errors).toHaveLength(1); // the request itself failed (aborted) rather than still waiting for GitHub
    expect(String((errors[0] as Error).message)).toMatch(/abort|timed out/i);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
