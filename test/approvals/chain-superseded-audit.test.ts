import { describe, expect, it } from 'vitest';
import { HEAD, PR, REPO, pack, setup } from './helpers.js';

const HEAD2 = 'ffffffffffffffffffffffffffffffffffffffff';

describe('superseded chains are audited', () => {
  it('a new head audits approval.chain_superseded for the older head chain', async () => {
    const t = await setup();
    await t.ensure(pack(), 'high', HEAD);
    expect(t.types('approval.chain_superseded')).toHaveLength(0);
    await t.ensure(pack(), 'high', HEAD2);
    const superseded = t.audits.filter((a) => a.type === 'approval.chain_superseded');
    expect(superseded).toHaveLength(1);
    expect(superseded[0]).toMatchObject({
      actor: 'app',
      subject: { repo: REPO, prNumber: PR, headSha: HEAD, chainKey: `${REPO}#${PR}@${HEAD}` },
      details: { reason: 'newer_head', supersededBy: `${REPO}#${PR}@${HEAD2}` },
    });
    // A late evaluation of the old head supersedes nothing; it is audited as stale.
    await t.ensure(pack(), 'high', HEAD);
    expect(t.types('approval.chain_superseded')).toHaveLength(1);
    expect(t.audits.filter((a) => a.type === 'approval.stale_evaluation')).toHaveLength(1);
  });
});
