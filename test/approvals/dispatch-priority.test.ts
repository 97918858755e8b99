// Approvals and gate updates are never queued behind replies (issue 9 item 9): whatever
// is due, a delivery's dispatch sends check runs first — 50 refused commands' replies
// used to delay a real approval's check update by minutes.
import { describe, expect, it } from 'vitest';
import { DispatcherRegistry, type Dispatcher } from '../../src/governance/registry.js';
import { harness } from '../governance/helpers.js';

function recording(sent: string[]): DispatcherRegistry {
  const fake = (kind: string): Dispatcher => ({
    kind,
    async dispatch({ action }) {
      sent.push(`${kind}:${action.idempotencyKey}`);
      return {};
    },
  });
  const retry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };
  return new DispatcherRegistry().register(fake('comment.upsert'), retry).register(fake('check_run.upsert'), retry);
}

const reply = (i: number) => ({
  installationId: 1,
  kind: 'comment.upsert',
  idempotencyKey: `reply:${i}`,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: { repo: 'acme/api', issueNumber: 7, body: `refused ${i}`, marker: `reply:${i}` },
});

const check = (name: string) => ({
  installationId: 1,
  kind: 'check_run.upsert',
  idempotencyKey: `check:acme/api@${'a'.repeat(40)}:${name}`,
  subject: { repo: 'acme/api', prNumber: 7, headSha: 'a'.repeat(40) },
  payload: { name, headSha: 'a'.repeat(40), status: 'completed', conclusion: 'success', output: { title: 'Approved', summary: 's' } },
});

describe('dispatch order', () => {
  it('check runs due later go out before replies due earlier, in one batch and when the batch is smaller than the backlog', async () => {
    const sent: string[] = [];
    const h = await harness({ registry: recording(sent) });
    for (let i = 0; i < 30; i++) {
      await h.pipeline.propose(reply(i));
      h.clock.advance(10);
    }
    await h.pipeline.propose(check('PuddleJumper / contracts'));
    await h.pipeline.propose(check('PuddleJumper / approvals'));

    // A delivery dispatches at most 10 here: the checks are among them, and first.
    expect(await h.pipeline.dispatchDue(10, { installationId: 1 })).toBe(10);
    expect(sent.slice(0, 2)).toEqual([`check_run.upsert:check:acme/api@${'a'.repeat(40)}:PuddleJumper / contracts`, `check_run.upsert:check:acme/api@${'a'.repeat(40)}:PuddleJumper / approvals`]);
    // The replies follow in the order they became due.
    expect(sent.slice(2)).toEqual(Array.from({ length: 8 }, (_, i) => `comment.upsert:reply:${i}`));
    await h.pipeline.dispatchDue(50, { installationId: 1 });
    expect(sent).toHaveLength(32);
  });
});
