import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/packs/hash.js';
import { allErrors, loadPackSet } from '../../src/packs/load-set.js';
import { MAX_FILE_BYTES } from '../../src/packs/parse.js';
import type { InvalidPack, LoadedPack } from '../../src/packs/types.js';
import { validatePackFile } from '../../src/packs/validate.js';
import { known } from './known.js';

const BASE = `id: demo
name: Demo
scope: { type: repo, ref: acme/demo }
`;

function invalid(loaded: LoadedPack): InvalidPack {
  if (loaded.valid) throw new Error(`expected an invalid pack, got a valid one`);
  return loaded;
}

describe('validatePackFile: located errors', () => {
  it('accepts a minimal pack and fills defaults', () => {
    const loaded = validatePackFile('p.yml', BASE, known);
    expect(loaded.valid).toBe(true);
    if (loaded.valid) {
      expect(loaded.pack.status).toBe('active');
      expect(loaded.pack.testMode.enabled).toBe(false);
    }
  });

  it('malformed YAML: a syntax error with its line and column', () => {
    const p = invalid(validatePackFile('bad.yml', `${BASE}pathGlobs: ["a/**", "b/**"\ntrackA: {}\n`, known));
    expect(p.errors.length).toBeGreaterThan(0);
    expect(p.errors[0]!.message).toMatch(/^YAML: /);
    expect(p.errors[0]!.line).toBeGreaterThanOrEqual(4);
    expect(p.errors[0]!.file).toBe('bad.yml');
  });

  it('unknown key: points at the key itself and suggests the close known key', () => {
    const text = `${BASE}trackA:\n  enabled: true\n  enforcment: { mode: block }\n`;
    const p = invalid(validatePackFile('typo.yml', text, known));
    expect(p.errors).toEqual([
      { file: 'typo.yml', line: 6, column: 3, message: 'unknown key "enforcment" in trackA (did you mean "enforcement"?)' },
    ]);
    // What could be read of the scope survives, so the pack fails closed where it applies.
    expect(p.id).toBe('demo');
    expect(p.scope).toEqual({ type: 'repo', ref: 'acme/demo' });
  });

  it('unknown top-level key', () => {
    const p = invalid(validatePackFile('x.yml', `${BASE}stauts: active\n`, known));
    expect(p.errors[0]).toMatchObject({ line: 4, column: 1 });
    expect(p.errors[0]!.message).toBe('unknown key "stauts" at the top level (did you mean "status"?)');
  });

  it('wrong type: says what was expected and what was found, at the value', () => {
    const text = `${BASE}trackA:\n  enforcement:\n    mode: block\n    highThreshold: high\n`;
    const p = invalid(validatePackFile('t.yml', text, known));
    expect(p.errors).toEqual([
      { file: 't.yml', line: 7, column: 20, message: 'trackA.enforcement.highThreshold: expected a number, got the string "high"' },
    ]);
  });

  it('wrong enum value lists the allowed values', () => {
    const p = invalid(validatePackFile('t.yml', `${BASE}status: enabled\n`, known));
    expect(p.errors[0]).toMatchObject({ line: 4, column: 9 });
    expect(p.errors[0]!.message).toBe('status: expected one of "active", "draft", "archived", got the string "enabled"');
  });

  it('missing required key is reported at its parent', () => {
    const p = invalid(validatePackFile('m.yml', `id: demo\nscope: { type: workspace }\n`, known));
    expect(p.errors).toEqual([{ file: 'm.yml', line: 1, column: 1, message: 'missing required key "name" in the pack' }]);
  });

  it('duplicate keys are errors', () => {
    const p = invalid(validatePackFile('d.yml', `${BASE}status: active\nstatus: archived\n`, known));
    expect(p.errors[0]).toEqual({ file: 'd.yml', line: 5, column: 1, message: 'YAML: duplicate key "status"' });
  });

  it('an oversize file is an error at 1:1 naming the limit', () => {
    const big = `${BASE}description: "${'x'.repeat(MAX_FILE_BYTES)}"\n`;
    const p = invalid(validatePackFile('big.yml', big, known));
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ file: 'big.yml', line: 1, column: 1 });
    expect(p.errors[0]!.message).toContain('1 MB limit');
  });

  it('a YAML bomb is a fast error, not a hang', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const text = `id: bomb\nname: Bomb\nscope: { type: workspace }\ndescription: x\nbomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    // Refused by counting alias expansions, not by a clock (the cost is measured in bench/).
    const p = invalid(validatePackFile('bomb.yml', text, known));
    expect(p.errors[0]!.message).toMatch(/YAML bomb/);
    expect(p.errors[0]!.line).toBe(7); // the first alias
  });

  it('an empty file is an error', () => {
    const p = invalid(validatePackFile('e.yml', '# nothing here\n', known));
    expect(p.errors[0]!.message).toMatch(/empty/);
  });

  it('unknown comparator type: at the type line, listing the known types', () => {
    const text = `${BASE}trackA:\n  comparators:\n    - type: openapi.dif\n      severity: high\n`;
    const p = invalid(validatePackFile('c.yml', text, known));
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ line: 6, column: 13 });
    expect(p.errors[0]!.message).toContain('unknown comparator type "openapi.dif" (did you mean "openapi.diff"?)');
    expect(p.errors[0]!.message).toContain('changelog.updated, openapi.diff, openapi.version_bump, path.coupling');
  });

  it('unknown drift type is an error too', () => {
    const text = `${BASE}trackB:\n  driftTypes:\n    - type: runbook\n`;
    const p = invalid(validatePackFile('c.yml', text, known));
    expect(p.errors[0]).toMatchObject({ line: 6, column: 13 });
    expect(p.errors[0]!.message).toContain('unknown drift type "runbook"');
    expect(p.errors[0]!.message).toContain('api_reference, env_var, instruction, owner');
  });

  it('invalid comparator config: checked against the registered schema, located inside config', () => {
    const text = `${BASE}trackA:\n  comparators:\n    - type: changelog.updated\n      config:\n        file: CHANGELOG.md\n        waiverLable: skip\n    - type: openapi.diff\n`;
    const p = invalid(validatePackFile('c.yml', text, known));
    expect(p.errors).toEqual([
      {
        file: 'c.yml',
        line: 9,
        column: 9,
        message: 'unknown key "waiverLable" in trackA.comparators[0].config (did you mean "waiverLabel"?) (comparator changelog.updated)',
      },
      {
        file: 'c.yml',
        line: 10,
        column: 7,
        message: 'missing required key "spec" in trackA.comparators[1].config (comparator openapi.diff)',
      },
    ]);
  });

  it('approval chains may only name declared tiers', () => {
    const text = `${BASE}approvalTiers:\n  lead: { name: Lead, users: [alice] }\napprovalChains:\n  high: [[lead], [director]]\n`;
    const p = invalid(validatePackFile('a.yml', text, known));
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ line: 7, column: 19 });
    expect(p.errors[0]!.message).toContain('unknown tier "director" (declared tiers: lead)');
  });

  it('approval chains naming an Object.prototype member (toString, constructor) are unknown tiers', () => {
    const text = `${BASE}approvalTiers:\n  lead: { name: Lead, users: [alice] }\napprovalChains:\n  high: [[toString], [constructor]]\n`;
    const p = invalid(validatePackFile('a.yml', text, known));
    expect(p.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('unknown tier "toString"'),
      expect.stringContaining('unknown tier "constructor"'),
    ]);
  });
});

describe('loadPackSet', () => {
  it('duplicate ids: both copies invalid, each at its id line naming the other file', () => {
    const set = loadPackSet(
      [
        { path: 'packs/a.yml', text: BASE },
        { path: 'packs/b.yaml', text: `# comment\n${BASE}` },
        { path: 'packs/README.md', text: 'not a pack' },
      ],
      known,
      'abc',
    );
    expect(set.sha).toBe('abc');
    expect(set.packs).toHaveLength(2);
    expect(allErrors(set)).toEqual([
      { file: 'packs/a.yml', line: 1, column: 5, message: 'duplicate pack id "demo": also declared in packs/b.yaml' },
      { file: 'packs/b.yaml', line: 2, column: 5, message: 'duplicate pack id "demo": also declared in packs/a.yml' },
    ]);
    expect(set.packs.every((p) => !p.valid && p.scope?.ref === 'acme/demo')).toBe(true);
  });

  it('a service scope needs an entry in services.yml', () => {
    const pack = `id: svc\nname: Svc\nscope:\n  type: service\n  ref: billing\n`;
    const without = loadPackSet([{ path: 'p/svc.yml', text: pack }], known);
    expect(allErrors(without)).toEqual([
      { file: 'p/svc.yml', line: 5, column: 8, message: 'scope.ref: unknown service "billing" (no service catalog (services.yml) in the packs folder)' },
    ]);
    const wrong = loadPackSet(
      [
        { path: 'p/svc.yml', text: pack },
        { path: 'p/services.yml', text: 'payments:\n  repos: [acme/pay]\n' },
      ],
      known,
    );
    expect(allErrors(wrong)[0]!.message).toContain('known services: payments');
    const ok = loadPackSet(
      [
        { path: 'p/svc.yml', text: pack },
        { path: 'p/services.yml', text: 'billing:\n  repos: [acme/billing]\n' },
      ],
      known,
    );
    expect(allErrors(ok)).toEqual([]);
    expect(ok.services).toEqual({ billing: { repos: ['acme/billing'] } });
  });

  it('a broken services.yml entry is located, the good entries are kept', () => {
    const set = loadPackSet(
      [{ path: 'p/services.yml', text: 'good:\n  repos: [acme/good]\nbad:\n  repo: [acme/bad]\n' }],
      known,
    );
    expect(set.services).toEqual({ good: { repos: ['acme/good'] } });
    expect(set.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '4:3 unknown key "repo" in bad (did you mean "repos"?)',
      '3:1 missing required key "repos" in bad',
    ].sort());
  });
});

describe('version hash', () => {
  it('is stable under key reordering and formatting, and changes with content', () => {
    const a = validatePackFile('a.yml', `id: demo\nname: Demo\nscope: { type: repo, ref: acme/demo }\npathGlobs: [src/**]\n`, known);
    const b = validatePackFile('b.yml', `# reordered\npathGlobs:\n  - "src/**"\nscope:\n  ref: acme/demo\n  type: repo\nname: Demo\nid: demo\n`, known);
    const c = validatePackFile('c.yml', `id: demo\nname: Demo\nscope: { type: repo, ref: acme/demo }\npathGlobs: [lib/**]\n`, known);
    expect(a.valid && b.valid && c.valid).toBe(true);
    if (!a.valid || !b.valid || !c.valid) return;
    expect(a.versionHash).toBe(b.versionHash);
    expect(a.versionHash).not.toBe(c.versionHash);
  });

  it('canonicalJson sorts keys and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: undefined }, null], e: true })).toBe('{"a":[{"d":"x"},null],"b":1,"e":true}');
  });
});

describe('validatePackFile: openapi.diff config with the real comparator schemas', () => {
  it('locates an unknown rule id and an empty ignore entry', async () => {
    const { defaultKnownTypes } = await import('../../src/usecases/known-types.js');
    const text = `${BASE}trackA:
  comparators:
    - type: openapi.diff
      config:
        spec: openapi/openapi.yaml
        severityOverrides: { no-such-rule: WARN }
        ignore:
          - {}
`;
    const p = invalid(validatePackFile('a.yml', text, defaultKnownTypes()));
    const messages = p.errors.map((e) => `${e.line}: ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^9: .*unknown rule id "no-such-rule"/),
      expect.stringMatching(/^11: .*at least one of rule, method or path/),
    ]);
  });
});
