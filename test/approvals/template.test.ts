import { describe, expect, it } from 'vitest';
import { chainTemplateFor, mergeOptions, mergeTemplates, templateForPacks } from '../../src/approvals/template.js';
import { pack } from './helpers.js';

const ids = (t: { groups: Array<Array<{ tierId: string }>> }) => t.groups.map((g) => g.map((x) => x.tierId));

describe('chain templates', () => {
  it('takes every tier whose requiredFor lists the severity, in declared order, one step each', () => {
    expect(ids(chainTemplateFor(pack(), 'critical'))).toEqual([['tier1'], ['tier2'], ['tier3']]);
    expect(ids(chainTemplateFor(pack(), 'high'))).toEqual([['tier1'], ['tier2']]);
    expect(ids(chainTemplateFor(pack(), 'low'))).toEqual([]);
  });

  it('uses an explicit chain for the severity, inner lists as parallel groups', () => {
    const p = pack({
      approvalTiers: {
        tier1: { name: 'Team Lead', users: ['alice'] },
        tier2: { name: 'Director', teams: ['acme/directors'] },
        security: { name: 'Security', teams: ['acme/security'] },
        tier3: { name: 'CTO', users: ['cto'] },
      },
      approvalChains: { critical: [['tier1'], ['tier2', 'security'], ['tier3']] },
    });
    expect(ids(chainTemplateFor(p, 'critical'))).toEqual([['tier1'], ['tier2', 'security'], ['tier3']]);
    expect(ids(chainTemplateFor(p, 'high'))).toEqual([]); // no requiredFor, no explicit chain
  });

  it('merges packs: identical tiers are one step, groups by position, a differing definition is a separate step', () => {
    const a = chainTemplateFor(pack(), 'critical');
    const b = chainTemplateFor(
      pack({
        id: 'billing',
        approvalTiers: {
          tier1: { name: 'Team Lead', users: ['ALICE'], teams: ['acme/team-leads'], requiredFor: ['critical'] }, // same definition
          security: { name: 'Security', teams: ['acme/security'], requiredFor: ['critical'] },
          tier3: { name: 'CTO', users: ['someone-else'], requiredFor: ['critical'] }, // same id, different people
        },
      }),
      'critical',
    );
    const merged = mergeTemplates([a, b]);
    expect(ids(merged)).toEqual([['tier1'], ['tier2', 'security'], ['tier3', 'tier3@billing']]);
    expect(merged.groups[0]![0]!.packIds).toEqual(['payments-api', 'billing']);
    expect(merged.groups[2]![1]!.tier.users).toEqual(['someone-else']);
  });

  it('places a tier at the latest position any pack gives it and drops empty groups', () => {
    const t = (id: string) => ({ tierId: id, tier: { name: id, users: [id], teams: [], requiredFor: [] }, packIds: ['p'] });
    const merged = mergeTemplates([{ groups: [[t('x')], [t('y')]] }, { groups: [[t('y')], [t('x')]] }]);
    expect(ids(merged)).toEqual([['x', 'y']]);
  });

  it('merges options conservatively', () => {
    const base = { invalidateOnPush: false, allowAuthor: true, distinctApprovers: false, changesRequested: 'ignore' as const };
    expect(mergeOptions([base, base])).toEqual(base);
    expect(mergeOptions([base, { ...base, invalidateOnPush: true }]).invalidateOnPush).toBe(true);
    expect(mergeOptions([base, { ...base, allowAuthor: false }]).allowAuthor).toBe(false);
    expect(mergeOptions([base, { ...base, distinctApprovers: true }]).distinctApprovers).toBe(true);
    expect(mergeOptions([base, { ...base, changesRequested: 'reject' }]).changesRequested).toBe('reject');
    expect(mergeOptions([])).toEqual({ invalidateOnPush: true, allowAuthor: false, distinctApprovers: true, changesRequested: 'reject' });
  });

  it('templateForPacks: only packs requiring a chain contribute', () => {
    const none = templateForPacks([pack()], 'low');
    expect(none.template.groups).toEqual([]);
    expect(ids(templateForPacks([pack()], 'medium').template)).toEqual([['tier1']]);
  });
});
