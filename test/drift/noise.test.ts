import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../src/drift/item.js';
import { dedupe, resolvedItems, unseen, withoutIgnoredPaths } from '../../src/drift/noise.js';
import { MemoryChangeSet } from '../change/fakes.js';
import { change, detect, fixture } from './helpers.js';

const doc = fixture('runbook-payments.md');
const BASE = 'const r = process.env.PAYMENTS_RETRY_LIMIT;\n';

describe('noise controls', () => {
  it('the skip-drift label on the source PR turns detection off', async () => {
    const labelled = new MemoryChangeSet({ base: { 'src/a.ts': BASE }, head: { 'src/a.ts': `${BASE}process.env.PAYMENTS_NEW;\n` }, labels: ['Skip-Drift'] });
    const result = await detect(labelled, doc, [{ type: 'env_var' }]);
    expect(result).toEqual({ items: [], ignored: [], filesConsidered: 0, skippedByLabel: true });
    expect(labelled.reads).toEqual([]);
  });

  it('ignorePaths keeps a rename that leaves an ignored place', () => {
    const files = withoutIgnoredPaths(
      [
        { path: 'test/a.ts', status: 'modified' },
        { path: 'src/b.ts', previousPath: 'test/b.ts', status: 'renamed' },
        { path: 'src/c.ts', status: 'modified' },
      ],
      ['test/**'],
    );
    expect(files.map((f) => f.path)).toEqual(['src/b.ts', 'src/c.ts']);
  });

  it('de-duplicates by fingerprint, within a run and against what was raised before', async () => {
    const c = change({ 'src/a.ts': BASE }, { 'src/a.ts': `${BASE}process.env.PAYMENTS_NEW;\n` });
    const one = (await detect(c, doc, [{ type: 'env_var' }])).items;
    const twice = (await detect(c, doc, [{ type: 'env_var' }, { type: 'env_var' }])).items;
    expect(twice).toEqual(one);
    expect(dedupe([...one, ...one])).toEqual(one);
    expect(unseen(one, new Set([one[0]!.fingerprint]))).toEqual([]);
    // The same stale thing found by a later PR (another line, another file) has the same fingerprint.
    const later = change({ 'src/z.ts': '' }, { 'src/z.ts': '\n\nprocess.env.PAYMENTS_NEW\n' });
    expect((await detect(later, doc, [{ type: 'env_var' }])).items[0]!.fingerprint).toBe(one[0]!.fingerprint);
  });

  it('an item the doc no longer supports is resolved: the fix merged, or a person edited it', async () => {
    const c = change({ 'src/a.ts': BASE, 'package.json': '{"scripts":{"deploy:prod":"x"}}' }, { 'src/a.ts': `${BASE}process.env.PAYMENTS_NEW;\n`, 'package.json': '{"scripts":{"release:prod":"x"}}' });
    const { items } = await detect(c, doc, [{ type: 'env_var' }, { type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    const env = items.find((i) => i.rule === 'env_var.undocumented')!;
    const script = items.find((i) => i.rule === 'instruction.script-renamed')!;
    expect(resolvedItems(items, { docText: doc })).toEqual([]);
    expect(resolvedItems(items, { docText: applyPatch(doc, env.patch!) })).toEqual([{ fingerprint: env.fingerprint, reason: 'doc-fixed' }]);
    // A person rewrote the runbook by hand, without the old script name anywhere.
    const byHand = doc.replaceAll('deploy:prod', 'ship');
    expect(resolvedItems(items, { docText: byHand })).toEqual([{ fingerprint: script.fingerprint, reason: 'doc-fixed' }]);
  });

  it('an item a later change undoes is resolved when re-detection does not raise it', async () => {
    const c = change({ 'package.json': '{"scripts":{"deploy:prod":"x"}}' }, { 'package.json': '{"scripts":{"release:prod":"x"}}' });
    const { items } = await detect(c, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    // The cumulative change after a revert: nothing renamed any more.
    const reverted = change({ 'package.json': '{"scripts":{"deploy:prod":"x"}}' }, { 'package.json': '{"scripts":{"deploy:prod":"x"}}' });
    const again = await detect(reverted, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
    expect(resolvedItems(items, { docText: doc, redetected: { types: ['instruction'], items: again.items } })).toEqual([{ fingerprint: items[0]!.fingerprint, reason: 'not-detected-again' }]);
    // Re-detection of another type says nothing about these items.
    expect(resolvedItems(items, { redetected: { types: ['env_var'], items: [] } })).toEqual([]);
  });
});
