import { describe, expect, it } from 'vitest';
import { makeFinding } from '../../src/contracts/findings.js';
import { BASE_SCORE, failClosedScore, maxSeverity, scoreFor, severityFromScore } from '../../src/contracts/scoring.js';
import { validPack } from '../change/fakes.js';

const defaults = { criticalThreshold: 90, highThreshold: 70, mediumThreshold: 40 };

describe('scoring', () => {
  it('scores ERR at the comparator severity, WARN a step below, INFO as info', () => {
    expect(scoreFor('critical', 'ERR')).toBe(95);
    expect(scoreFor('high', 'ERR')).toBe(80);
    expect(scoreFor('medium', 'ERR')).toBe(55);
    expect(scoreFor('low', 'ERR')).toBe(25);
    expect(scoreFor('high', 'WARN')).toBe(BASE_SCORE.medium);
    expect(scoreFor('critical', 'WARN')).toBe(BASE_SCORE.high);
    expect(scoreFor('low', 'WARN')).toBe(BASE_SCORE.info);
    expect(scoreFor('critical', 'INFO')).toBeLessThanOrEqual(10);
  });

  it('maps scores back through the thresholds, with the boundaries inclusive', () => {
    expect(severityFromScore(90, defaults)).toBe('critical');
    expect(severityFromScore(89, defaults)).toBe('high');
    expect(severityFromScore(70, defaults)).toBe('high');
    expect(severityFromScore(69, defaults)).toBe('medium');
    expect(severityFromScore(40, defaults)).toBe('medium');
    expect(severityFromScore(39, defaults)).toBe('low');
    expect(severityFromScore(11, defaults)).toBe('low');
    expect(severityFromScore(10, defaults)).toBe('info');
    expect(severityFromScore(0, defaults)).toBe('info');
  });

  it('round-trips ERR findings with the default thresholds and moves them with stricter ones', () => {
    for (const s of ['critical', 'high', 'medium', 'low'] as const) {
      expect(severityFromScore(scoreFor(s, 'ERR'), defaults)).toBe(s);
    }
    // A pack that wants 85 for high demotes an ERR of a high comparator (80) to medium.
    expect(severityFromScore(scoreFor('high', 'ERR'), { criticalThreshold: 95, highThreshold: 85, mediumThreshold: 50 })).toBe('medium');
  });

  it('keeps fail-closed findings at least high whatever the thresholds', () => {
    const strict = { criticalThreshold: 99, highThreshold: 92, mediumThreshold: 60 };
    expect(severityFromScore(failClosedScore('low', strict), strict)).toBe('high');
    expect(severityFromScore(failClosedScore('critical', defaults), defaults)).toBe('critical');
  });

  it('makeFinding applies the comparator severity and the pack thresholds', () => {
    const pack = validPack({
      trackA: { comparators: [{ type: 'changelog.updated', severity: 'critical' }], enforcement: { mode: 'block', criticalThreshold: 96, highThreshold: 70, mediumThreshold: 40 } },
    });
    const entry = pack.pack.trackA!.comparators[0]!;
    const f = makeFinding(pack, entry, { ruleId: 'x', level: 'ERR', message: 'm', file: './CHANGELOG.md' });
    expect(f).toMatchObject({ score: 95, severity: 'high', packId: 'test-pack', versionHash: pack.versionHash, file: 'CHANGELOG.md' });
    expect(maxSeverity(['low', 'high', 'medium'])).toBe('high');
    expect(maxSeverity([])).toBeUndefined();
  });
});
