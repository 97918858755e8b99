// Hostile pack shapes (issue 9 item 4): a huge mapping is a located pack error naming the
// limit; duplicate keys and many unknown keys are still each reported at their own line.
import { describe, expect, it } from 'vitest';
import { MAX_KEYS_PER_MAPPING } from '../../src/packs/parse.js';
import type { InvalidPack, LoadedPack } from '../../src/packs/types.js';
import { validatePackFile } from '../../src/packs/validate.js';
import { known } from './known.js';

const BASE = 'id: demo\nname: Demo\nscope: { type: repo, ref: acme/demo }\n';

function invalid(loaded: LoadedPack): InvalidPack {
  if (loaded.valid) throw new Error('expected an invalid pack');
  return loaded;
}

describe('hostile pack YAML', () => {
  it('refuses a mapping over the key limit with file:line:col and the limit named', () => {
    const keys = Array.from({ length: MAX_KEYS_PER_MAPPING + 1 }, (_, i) => `  k${i}: 1`).join('\n');
    const p = invalid(validatePackFile('huge.yml', `${BASE}labels:\n${keys}\n`, known));
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]).toMatchObject({ file: 'huge.yml', line: 5 + MAX_KEYS_PER_MAPPING, column: 3 });
    expect(p.errors[0]!.message).toContain(`over the limit of ${MAX_KEYS_PER_MAPPING} keys per mapping (MAX_KEYS_PER_MAPPING)`);
  });

  it('reports every duplicate key of a large mapping at its own line', () => {
    const keys = Array.from({ length: 3_000 }, (_, i) => `  k${i}: 1`);
    keys.push('  k5: 2', '  k2999: 3');
    const p = invalid(validatePackFile('dup.yml', `${BASE}labels:\n${keys.join('\n')}\n`, known));
    const duplicates = p.errors.filter((e) => e.message.startsWith('YAML: duplicate key'));
    expect(duplicates).toEqual([
      { file: 'dup.yml', line: 5 + 3_000, column: 3, message: 'YAML: duplicate key "k5"' },
      { file: 'dup.yml', line: 6 + 3_000, column: 3, message: 'YAML: duplicate key "k2999"' },
    ]);
  });

  it('locates each of thousands of unknown keys at its own line', () => {
    const keys = Array.from({ length: 4_000 }, (_, i) => `bogus${i}: 1`).join('\n');
    const p = invalid(validatePackFile('unknown.yml', `${BASE}${keys}\n`, known));
    const unknown = p.errors.filter((e) => e.message.startsWith('unknown key'));
    expect(unknown).toHaveLength(4_000);
    expect(unknown[0]).toMatchObject({ line: 4, column: 1 });
    expect(unknown[3_999]).toMatchObject({ line: 4_003, column: 1, message: expect.stringContaining('"bogus3999"') });
  });
});
