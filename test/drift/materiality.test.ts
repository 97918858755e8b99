import { describe, expect, it } from 'vitest';
import type { DriftItem } from '../../src/drift/item.js';
import { bandOf, materialityScore, route, score, severityOf } from '../../src/drift/materiality.js';
import { Materiality } from '../../src/packs/schema.js';

const defaults = Materiality.parse({});

function item(changeClass: DriftItem['changeClass'], confidence: number, over: Partial<DriftItem> = {}): DriftItem {
  return {
    type: 'instruction',
    rule: 'instruction.script-renamed',
    message: 'm',
    subject: 's',
    docTarget: { system: 'github', path: 'd.md' },
    section: '',
    evidence: [],
    fingerprint: `${changeClass}-${confidence}`,
    changeClass,
    confidence,
    patch: { docHash: 'h', edits: [{ start: 0, end: 1, replacement: 'x' }], diff: '' },
    ...over,
  };
}

describe('materiality', () => {
  it('the worked examples of the README', () => {
    expect(materialityScore(item('breaking', 0.9), 'runbook')).toBe(0.9);
    expect(materialityScore(item('breaking', 1), 'api_reference')).toBe(0.95);
    expect(materialityScore(item('breaking', 1), 'runbook')).toBe(1);
    expect(materialityScore(item('behavioral', 0.95), 'runbook')).toBe(0.712);
    expect(materialityScore(item('additive', 0.9), 'readme')).toBe(0.383);
    expect(materialityScore(item('behavioral', 0.7), 'readme')).toBe(0.446);
    expect(materialityScore(item('behavioral', 0.45), undefined)).toBe(0.287);
    expect(materialityScore(item('cosmetic', 1), 'readme')).toBe(0.17);
  });

  it('doc class orders runbook > api_reference > readme/other', () => {
    const s = (c: string | undefined) => materialityScore(item('behavioral', 0.8), c);
    expect(s('runbook')).toBeGreaterThan(s('api_reference'));
    expect(s('api_reference')).toBeGreaterThan(s('readme'));
    expect(s('readme')).toBe(s(undefined));
  });

  it('bands by the pack thresholds, each bound inclusive', () => {
    expect(bandOf(0.98, defaults)).toBe('auto');
    expect(bandOf(0.979, defaults)).toBe('notify');
    expect(bandOf(0.4, defaults)).toBe('notify');
    expect(bandOf(0.3, defaults)).toBe('digest');
    expect(bandOf(0.299, defaults)).toBe('below');
    expect(bandOf(0.2, defaults)).toBe('below');
    expect(bandOf(0.199, defaults)).toBe('ignore');
  });

  it('a flagged item is never released automatically; a problem item always goes to the digest', () => {
    expect(score(item('breaking', 1, { patch: null }), 'runbook', defaults).band).toBe('notify');
    expect(score(item('breaking', 1), 'runbook', defaults).band).toBe('auto');
    const problem = item('cosmetic', 0.1, { rule: 'problem.section-missing', patch: null });
    expect(score(problem, 'readme', defaults).band).toBe('digest');
    expect(score({ ...problem, changeClass: 'breaking', confidence: 1 }, 'runbook', defaults).band).toBe('digest');
    expect(severityOf(problem, 'runbook')).toBe('medium');
  });

  it('severity by change class and doc class', () => {
    expect(severityOf(item('breaking', 1), 'runbook')).toBe('critical');
    expect(severityOf(item('breaking', 1), 'api_reference')).toBe('high');
    expect(severityOf(item('behavioral', 1), 'runbook')).toBe('high');
    expect(severityOf(item('behavioral', 1), 'readme')).toBe('medium');
    expect(severityOf(item('additive', 1), 'runbook')).toBe('medium');
    expect(severityOf(item('additive', 1), undefined)).toBe('low');
    expect(severityOf(item('cosmetic', 1), 'runbook')).toBe('info');
  });

  it('route puts every item in exactly one band, best first', () => {
    const items = [item('cosmetic', 1), item('additive', 0.9), item('breaking', 1), item('behavioral', 0.95), item('behavioral', 0.3)];
    const r = route(items, 'readme', defaults);
    expect(Object.values(r).flat()).toHaveLength(5);
    expect(r.notify.map((s) => s.score)).toEqual([0.85, 0.606]);
    expect(r.digest.map((s) => s.score)).toEqual([0.383]);
    expect(r.below.map((s) => s.score)).toEqual([]);
    expect(r.ignore.map((s) => s.score)).toEqual([0.191, 0.17]);
  });
});
