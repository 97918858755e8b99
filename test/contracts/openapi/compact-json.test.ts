// A spec given as bytes (pj diff) is read as compact JSON text; the result must be exactly
// what the same spec gives as text: the same changes, lines and columns, and the same errors.
import { describe, expect, it } from 'vitest';
import { openapiDiff, SpecParseError, type OpenApiDiffResult } from '../../../src/contracts/openapi/index.js';
import { compactJsonText } from '../../../src/contracts/openapi/compact-json.js';
import { NOW } from './helpers.js';

function spec(description: string, required: boolean, key = 'name'): Record<string, unknown> {
  const schema = { type: 'object', description, required: required ? [key] : [], properties: { [key]: { type: 'string', description } } };
  return {
    openapi: '3.0.3',
    info: { title: `Things ${description}`, version: '1.0.0' },
    paths: { '/things': { post: { requestBody: { content: { 'application/json': { schema } } }, responses: { '200': { description } } } } },
  };
}

async function both(base: string | Uint8Array, head: string | Uint8Array): Promise<{ asText: OpenApiDiffResult | Error; asBytes: OpenApiDiffResult | Error }> {
  const bytes = (content: string | Uint8Array): Uint8Array => (typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  const text = (content: string | Uint8Array): string => (typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
  const run = (a: Parameters<typeof openapiDiff>[0], b: Parameters<typeof openapiDiff>[1]): Promise<OpenApiDiffResult | Error> =>
    openapiDiff(a, b, { now: NOW }).catch((error: Error) => error);
  return {
    asText: await run({ path: 'api.json', content: text(base) }, { path: 'api.json', content: text(head) }),
    asBytes: await run({ path: 'api.json', bytes: bytes(base) }, { path: 'api.json', bytes: bytes(head) }),
  };
}

describe('a JSON spec read from bytes', () => {
  it('reports the same changes at the same lines and columns, with characters beyond Latin-1 before them on the line', async () => {
    const words = 'caf\u00e9 \u2019quoted\u2019 \u2014 \ud83c\udf6b and \ud83e\udeb2';
    // Minified: everything on one line, so every column after a non-ASCII character is shifted in the compact text.
    const { asText, asBytes } = await both(JSON.stringify(spec(words, false, 'n\u00e4me')), JSON.stringify(spec(words, true, 'n\u00e4me')));
    expect(asText).not.toBeInstanceOf(Error);
    const found = (asText as OpenApiDiffResult).changes.find((change) => change.id === 'request-property-became-required');
    expect(found?.source.column).toBeGreaterThan(100);
    expect(asBytes).toEqual(asText);
    // Pretty-printed too.
    const pretty = await both(JSON.stringify(spec(words, false), null, 2), JSON.stringify(spec(words, true), null, 2));
    expect(pretty.asBytes).toEqual(pretty.asText);
  });

  it('fails the same way on invalid UTF-8, a non-ASCII character after a backslash, and a byte-order mark', async () => {
    const valid = JSON.stringify(spec('plain', false));
    const invalidUtf8 = Buffer.concat([Buffer.from(valid.slice(0, 40)), Buffer.from([0xc3, 0x28]), Buffer.from(valid.slice(40))]);
    const escaped = valid.replace('"plain"', '"pl\\\u00e9in"');
    const bom = '\ufeff' + valid;
    for (const broken of [invalidUtf8, escaped, bom]) {
      const { asText, asBytes } = await both(broken, valid);
      expect(asBytes).toEqual(asText);
      if (asText instanceof Error) expect(asBytes).toBeInstanceOf(SpecParseError);
    }
  });
});

describe('compactJsonText', () => {
  it('writes characters beyond ASCII as escapes that JSON.parse reads back as they were', () => {
    const value = { text: 'a\u00e9b\u2014c\ud83c\udf6bd', '\u00e4': ['\u00ff'] };
    const compact = compactJsonText(Buffer.from(JSON.stringify(value), 'utf8'))!;
    expect(/^[\x00-\x7f]*$/.test(compact.text)).toBe(true);
    expect(JSON.parse(compact.text)).toEqual(value);
    // \u00e9 and \u2014 add 5 characters each, the emoji's pair of escapes 10 (12 for 2 units).
    expect(compact.escapes.extra).toEqual([5, 10, 20, 25, 30]);
  });

  it('leaves ASCII text as it is and refuses what it cannot vouch for', () => {
    expect(compactJsonText(Buffer.from('{"a": "b"}'))?.text).toBe('{"a": "b"}');
    expect(compactJsonText(Buffer.from([0x7b, 0x22, 0xc3, 0x22, 0x7d]))).toBeUndefined();
    expect(compactJsonText(Buffer.from('{"a": "\\\u00e9"}', 'utf8'))).toBeUndefined();
  });
});
