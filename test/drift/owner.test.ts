import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../src/drift/item.js';
import { change, detect, fixture, lineOf } from './helpers.js';

const doc = fixture('runbook-payments.md');
const BASE = '# owners\n*       @alice @acme/payments-oncall\n/docs/ @carol\n';

describe('owner detector on a runbook', () => {
  it('replaces an owner swapped for another on the same pattern', async () => {
    const c = change({ '.github/CODEOWNERS': BASE }, { '.github/CODEOWNERS': '# owners\n*       @bob @acme/payments-oncall\n/docs/ @carol\n' });
    const { items } = await detect(c, doc, [{ type: 'owner' }]);
    expect(items).toHaveLength(1);
    expect(items[0]!.rule).toBe('owner.replaced');
    expect(items[0]!.section).toBe('Payments service runbook > Owners');
    expect(items[0]!.evidence).toEqual([
      { file: '.github/CODEOWNERS', line: 2, side: 'base' },
      { file: 'runbooks/payments.md', line: lineOf(doc, '- Primary: @alice'), side: 'doc' },
    ]);
    expect(applyPatch(doc, items[0]!.patch!)).toBe(doc.replace('- Primary: @alice', '- Primary: @bob'));
  });

  it('flags an owner removed without a successor', async () => {
    const c = change({ CODEOWNERS: BASE }, { CODEOWNERS: '*       @alice\n/docs/ @carol\n' });
    const { items } = await detect(c, doc, [{ type: 'owner' }]);
    expect(items.map((i) => [i.rule, i.subject, i.patch])).toEqual([['owner.gone', '@acme/payments-oncall', null]]);
  });

  it('a doc without an owners section is a clear item', async () => {
    const c = change({ CODEOWNERS: BASE }, { CODEOWNERS: '* @bob\n' });
    const { items } = await detect(c, '# Svc\n\n## Usage\n\n@alice knows.\n', [{ type: 'owner' }]);
    expect(items.map((i) => i.rule)).toEqual(['problem.section-missing']);
  });

  // The replacement rule (owner.ts replacements): a swap counts only when it is the same on every line.
  it('replaces an owner swapped for the same successor on every line, and flags one swapped for different people', async () => {
    const doc2 = '# Svc\n\n## Owners\n\n- @alice\n- @dave\n';
    const consistent = change({ CODEOWNERS: '* @alice\n/docs/ @alice\n' }, { CODEOWNERS: '* @bob\n/docs/ @bob\n' });
    expect((await detect(consistent, doc2, [{ type: 'owner' }])).items.map((i) => [i.rule, i.subject, i.patch !== null])).toEqual([['owner.replaced', '@alice', true]]);
    const split = change({ CODEOWNERS: '* @alice\n/docs/ @alice\n' }, { CODEOWNERS: '* @bob\n/docs/ @carol\n' });
    expect((await detect(split, doc2, [{ type: 'owner' }])).items.map((i) => [i.rule, i.subject, i.patch])).toEqual([['owner.gone', '@alice', null]]);
    const twoIn = change({ CODEOWNERS: '* @alice\n' }, { CODEOWNERS: '* @bob @carol\n' });
    expect((await detect(twoIn, doc2, [{ type: 'owner' }])).items.map((i) => i.rule)).toEqual(['owner.gone']);
  });

  it('reads the section the config names, and says so when it is missing', async () => {
    const c = change({ CODEOWNERS: '* @alice\n' }, { CODEOWNERS: '* @bob\n' });
    const text = '# Svc\n\n## Owners\n\n@alice\n\n## People\n\nAsk @alice.\n';
    const named = await detect(c, text, [{ type: 'owner', config: { sections: ['People'] } }]);
    expect(named.items.map((i) => [i.rule, i.docLine])).toEqual([['owner.replaced', 9]]);
    const missing = await detect(c, text, [{ type: 'owner', config: { sections: ['Maintainers'] } }]);
    expect(missing.items.map((i) => i.rule)).toEqual(['problem.section-missing']);
  });

  it('nothing when CODEOWNERS did not change', async () => {
    const { items } = await detect(change({ 'a.ts': '1' }, { 'a.ts': '2' }), doc, [{ type: 'owner' }]);
    expect(items).toEqual([]);
  });
});
