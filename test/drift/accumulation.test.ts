import { describe, expect, it } from 'vitest';
import { addItems, emptyWindow, resolveItems, tick, type AccumulationConfig } from '../../src/drift/accumulation.js';
import type { DriftItem } from '../../src/drift/item.js';
import type { Severity } from '../../src/packs/schema.js';

function it_(fp: string, changeClass: DriftItem['changeClass'] = 'behavioral'): DriftItem {
  return { type: 'instruction', rule: 'r', message: 'm', subject: fp, docTarget: { system: 'github', path: 'd.md' }, section: '', evidence: [], fingerprint: fp, changeClass, confidence: 0.9, patch: null };
}
const cfg: AccumulationConfig = { enabled: true, windowDays: 7, docClass: 'readme' };
const t0 = new Date('2026-12-01T10:00:00Z');
const day = (n: number) => new Date(t0.getTime() + n * 86_400_000);
const add = (fp: string, severity: Severity = 'medium', changeClass: DriftItem['changeClass'] = 'behavioral', number = 1) => ({ item: it_(fp, changeClass), severity, source: { repo: 'acme/api', number, sha: `sha${number}` } });

describe('accumulation window', () => {
  it('collects for windowDays, then flushes once with every item', () => {
    let s = emptyWindow('payments', 'github:acme/docs:d.md');
    let r = addItems(s, [add('a')], t0, cfg);
    expect(r.events.map((e) => e.type)).toEqual(['window_opened', 'items_added']);
    s = r.state;
    r = addItems(s, [add('b', 'medium', 'additive', 2)], day(3), cfg);
    expect(r.events.map((e) => e.type)).toEqual(['items_added']);
    s = r.state;
    expect(tick(s, day(6.99)).events).toEqual([]);
    r = tick(s, day(7));
    expect(r.events).toHaveLength(1);
    const flush = r.events[0]!;
    expect(flush.type).toBe('flush');
    if (flush.type !== 'flush') throw new Error();
    expect(flush.reason).toBe('window_elapsed');
    expect(flush.items.map((p) => p.item.fingerprint)).toEqual(['a', 'b']);
    expect(flush.idempotencyKey).toBe('drift-flush:payments:github:acme/docs:d.md:2026-12-01T10:00:00.000Z');
    expect(r.state.openedAt).toBeNull();
    expect(tick(r.state, day(30)).events).toEqual([]);
  });

  it('a breaking item flushes the window at once, with the items already waiting', () => {
    const s = addItems(emptyWindow('p', 'd'), [add('a')], t0, cfg).state;
    const r = addItems(s, [add('b', 'high', 'breaking')], day(1), cfg);
    const flush = r.events.find((e) => e.type === 'flush');
    expect(flush && flush.type === 'flush' && flush.reason).toBe('breaking');
    expect(flush && flush.type === 'flush' && flush.items.map((p) => p.item.fingerprint)).toEqual(['a', 'b']);
  });

  it('a runbook item of severity high or above flushes at once; medium waits', () => {
    const runbook = { ...cfg, docClass: 'runbook' };
    expect(addItems(emptyWindow('p', 'd'), [add('a', 'medium')], t0, runbook).events.some((e) => e.type === 'flush')).toBe(false);
    const r = addItems(emptyWindow('p', 'd'), [add('a', 'high')], t0, runbook);
    const flush = r.events.find((e) => e.type === 'flush');
    expect(flush && flush.type === 'flush' && flush.reason).toBe('runbook_severity');
  });

  it('accumulation disabled flushes every add', () => {
    const r = addItems(emptyWindow('p', 'd'), [add('a')], t0, { ...cfg, enabled: false });
    expect(r.events.map((e) => e.type)).toEqual(['window_opened', 'items_added', 'flush']);
  });

  it('the same fingerprint twice is one item with both sources; the later detection wins', () => {
    let s = addItems(emptyWindow('p', 'd'), [add('a', 'medium', 'behavioral', 1)], t0, cfg).state;
    const r = addItems(s, [add('a', 'medium', 'behavioral', 2)], day(1), cfg);
    expect(r.events.map((e) => e.type)).toEqual(['items_updated']);
    s = r.state;
    expect(s.items).toHaveLength(1);
    expect(s.items[0]!.sources.map((x) => x.number)).toEqual([1, 2]);
    expect(s.items[0]!.addedAt).toBe(t0.toISOString());
    // A redelivered event (same source) changes nothing but the detection.
    expect(addItems(s, [add('a', 'medium', 'behavioral', 2)], day(2), cfg).state.items[0]!.sources).toHaveLength(2);
  });

  it('resolved items leave the window; an emptied window closes without a flush', () => {
    let s = addItems(emptyWindow('p', 'd'), [add('a'), add('b')], t0, cfg).state;
    let r = resolveItems(s, ['a'], day(1));
    expect(r.events).toEqual([{ type: 'items_resolved', packId: 'p', docKey: 'd', fingerprints: ['a'] }]);
    s = r.state;
    r = resolveItems(s, ['b'], day(2));
    expect(r.events.map((e) => e.type)).toEqual(['items_resolved', 'window_closed_empty']);
    expect(tick(r.state, day(8)).events).toEqual([]);
  });

  it('is pure: the input state is not changed', () => {
    const s = addItems(emptyWindow('p', 'd'), [add('a')], t0, cfg).state;
    const copy = structuredClone(s);
    addItems(s, [add('b')], day(1), cfg);
    tick(s, day(9));
    resolveItems(s, ['a'], day(1));
    expect(s).toEqual(copy);
  });
});
