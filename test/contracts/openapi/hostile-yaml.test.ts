// Hostile spec shapes (issue 9 item 4): huge mappings are refused with the limit named, and
// duplicate keys are still found, with their line, without the library's quadratic check.
import { describe, expect, it } from 'vitest';
import { openapiDiff, SpecParseError } from '../../../src/contracts/openapi/index.js';
import { parseSpecDocument, SPEC_MAX_KEYS_PER_MAPPING, SPEC_MAX_NODES } from '../../../src/contracts/openapi/parse.js';

const HEADER = 'openapi: 3.0.3\ninfo:\n  title: Many\n  version: 1.0.0\npaths: {}\ncomponents:\n  schemas:\n';
const HEADER_LINES = 7;

/** A spec whose components.schemas has `count` keys, one a line. */
function manyKeys(count: number, extra = ''): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(`    S${i}: { type: string }`);
  return HEADER + lines.join('\n') + '\n' + extra;
}

async function errorOf(content: string, path = 'openapi.yaml'): Promise<SpecParseError> {
  const spec = { path, content };
  const error = await openapiDiff(spec, spec).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SpecParseError);
  return error as SpecParseError;
}

describe('hostile YAML specs', () => {
  it('finds a duplicate key in a large mapping, at the line of the second copy', async () => {
    const content = manyKeys(5_000, '    S17: { type: integer }\n');
    const error = await errorOf(content);
    expect(error.line).toBe(HEADER_LINES + 5_001);
    expect(error.message).toContain('duplicate key "S17"');
  });

  it('accepts a mapping at the limit and refuses one over it, naming the limit, at the first key over it', async () => {
    const atLimit = parseSpecDocument('ok.yaml', manyKeys(2_000), { maxBytes: 1e8, requireOpenApi: true, maxKeysPerMapping: 2_000 });
    expect(Object.keys((atLimit.root as { components: { schemas: object } }).components.schemas)).toHaveLength(2_000);
    const over = (() => {
      try {
        parseSpecDocument('big.yaml', manyKeys(2_001), { maxBytes: 1e8, requireOpenApi: true, maxKeysPerMapping: 2_000 });
      } catch (error) {
        return error as SpecParseError;
      }
      throw new Error('expected a SpecParseError');
    })();
    expect(over).toBeInstanceOf(SpecParseError);
    expect([over.file, over.line, over.column]).toEqual(['big.yaml', HEADER_LINES + 2_001, 5]);
    expect(over.message).toContain('over the limit of 2000 keys per mapping (SPEC_MAX_KEYS_PER_MAPPING)');
  });

  it('applies the default key limit to a spec of modest size', async () => {
    const error = await errorOf(manyKeys(SPEC_MAX_KEYS_PER_MAPPING + 1));
    expect(error.line).toBe(HEADER_LINES + SPEC_MAX_KEYS_PER_MAPPING + 1);
    expect(error.message).toContain(`limit of ${SPEC_MAX_KEYS_PER_MAPPING} keys per mapping`);
  });

  it('bounds the nodes of a file, in JSON as in YAML', () => {
    const items = Array.from({ length: 600 }, (_, i) => i);
    const json = JSON.stringify({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths: {}, 'x-big': items });
    const yaml = `openapi: 3.0.3\ninfo: { title: t, version: "1" }\npaths: {}\nx-big:\n${items.map((i) => `  - ${i}`).join('\n')}\n`;
    for (const [file, text] of [['big.json', json], ['big.yaml', yaml]] as const) {
      expect(() => parseSpecDocument(file, text, { maxBytes: 1e8, requireOpenApi: true, maxNodes: 500 })).toThrow(/over the limit of 500 nodes per spec file \(SPEC_MAX_NODES\)/);
      expect(() => parseSpecDocument(file, text, { maxBytes: 1e8, requireOpenApi: true, maxNodes: 700 })).not.toThrow();
    }
    expect(SPEC_MAX_NODES).toBeGreaterThan(1_200_000); // GitHub's dereferenced description still fits
  });
});
