import { describe, expect, it } from 'vitest';
import { registry } from '../../src/metrics.js';
import { comment, pack, setup, REPO, PR, HEAD } from './helpers.js';

async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await registry.getSingleMetric(name)?.get();
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l) && (x as { metricName?: string }).metricName === undefined);
  return v?.value ?? 0;
}

describe('approval chain metrics and gate', () => {
  it('counts steps, decisions, completions and rejections; the pending gauge follows the store', async () => {
    const before = {
      steps: await value('approval_chain_steps_total'),
      approved: await value('approval_chain_step_decided_total', { decision: 'approved' }),
      completed: await value('approval_chain_completed_total'),
    };
    const t = await setup();
    await t.ensure(pack(), 'high');
    expect(await value('approval_chain_steps_total')).toBe(before.steps + 2);
    t.tick(120);
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    expect(await value('approval_chain_step_pending')).toBe(1);
    expect((await t.chains.byKey(`${REPO}#${PR}@${HEAD}`))?.chain.status).toBe('pending');
    await t.svc.onComment(comment({ body: '/approve', login: 'dana', id: 2 }));
    expect(await value('approval_chain_step_decided_total', { decision: 'approved' })).toBe(before.approved + 2);
    expect(await value('approval_chain_completed_total')).toBe(before.completed + 1);
    expect(await value('approval_chain_step_pending')).toBe(0);
    expect((await t.chains.byKey(`${REPO}#${PR}@${HEAD}`))?.chain.status).toBe('approved');
    const text = await registry.getSingleMetricAsString('approval_chain_step_time_seconds');
    expect(text).toMatch(/approval_chain_step_time_seconds_count \d+/);
    expect(await registry.getSingleMetricAsString('approval_chain_rejected_total')).toContain('approval_chain_rejected_total');
  });
});
