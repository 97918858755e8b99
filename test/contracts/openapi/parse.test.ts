import { describe, expect, it } from 'vitest';
import { openapiDiff, SpecParseError } from '../../../src/contracts/openapi/index.js';
import { fixture } from './helpers.js';

const good = { path: 'openapi/openapi.yaml', content: fixture('paths/base.yaml') };

async function parseErrorOf(head: { path: string; content: string }, base = good, maxBytes?: number): Promise<SpecParseError> {
  const error = await openapiDiff(base, head, maxBytes === undefined ? {} : { maxBytes }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(SpecParseError);
  return error as SpecParseError;
}

describe('parsing', () => {
  it('reports a YAML syntax error with file:line:column', async () => {
    const error = await parseErrorOf({ path: 'openapi/openapi.yaml', content: fixture('parse-error/head.yaml') });
    expect([error.file, error.line, error.column]).toEqual(['openapi/openapi.yaml', 11, 1]);
    expect(error.message).toMatch(/^openapi\/openapi\.yaml:11:1: /);
  });

  it('reports a JSON syntax error with its line', async () => {
    const error = await parseErrorOf({ path: 'openapi.json', content: fixture('parse-error/head.json') });
    expect([error.file, error.line]).toEqual(['openapi.json', 7]);
  });

  it('treats a base that fails to parse as a SpecParseError too', async () => {
    const error = await parseErrorOf(good, { path: 'old.yaml', content: fixture('parse-error/head.yaml') });
    expect(error.file).toBe('old.yaml');
  });

  it('refuses a spec over the size limit', async () => {
    const error = await parseErrorOf({ path: 'big.yaml', content: good.content + '#'.repeat(2 * 1024 * 1024) }, good, 2 * 1024 * 1024);
    expect(error.message).toMatch(/^big\.yaml:1:1: spec is 2\.0 MB, over the 2 MB limit$/);
  });

  it('refuses a document that is not OpenAPI 3.x or Swagger 2.0', async () => {
    expect((await parseErrorOf({ path: 'x.yaml', content: 'name: not a spec\n' })).message).toContain('not an OpenAPI document');
    const swagger = await parseErrorOf({ path: 'x.yaml', content: 'info: {}\nswagger: "1.2"\n' });
    expect(swagger.message).toBe('x.yaml:2:1: unsupported Swagger version 1.2 (2.0, 3.0 and 3.1 are supported)');
    expect((await parseErrorOf({ path: 'x.yaml', content: '# c\nopenapi: 4.0.0\n' })).line).toBe(2);
  });
});

describe('parsing: YAML anchors in specs', () => {
  const spec = (limit: string) => `openapi: 3.0.3
info:
  title: Pets
  version: 1.0.0
x-common:
  limit: &limit
    name: limit
    in: query
${limit}    schema:
      type: integer
paths:
  /pets:
    get:
      parameters:
        - <<: *limit
          description: how many
      responses:
        '200':
          description: ok
`;

  it('honours merge keys (<<: *anchor): a change made through the anchor is compared', async () => {
    const result = await openapiDiff(
      { path: 'openapi/openapi.yaml', content: spec('') },
      { path: 'openapi/openapi.yaml', content: spec('    required: true\n') },
    );
    const change = result.changes.find((c) => c.id === 'request-parameter-became-required');
    expect(change, result.changes.map((c) => c.id).join(', ')).toMatchObject({ method: 'GET', path: '/pets' });
    // Located where the merged key is written: in the anchor (line 9), not at the `<<` map.
    expect(change!.source.line).toBe(9);
  });

  it('accepts a spec that reuses an anchor more than 100 times', async () => {
    const ops = Array.from({ length: 150 }, (_, i) => `  /p${i}:\n    get:\n      responses: *ok\n`).join('');
    const content = `openapi: 3.0.3\ninfo: { title: t, version: 1.0.0 }\nx-ok: &ok\n  '200':\n    description: ok\npaths:\n${ops}`;
    const result = await openapiDiff({ path: 'a.yaml', content }, { path: 'a.yaml', content });
    expect(result.changes).toEqual([]);
  });

  it('still refuses an alias bomb, located at the alias rather than 1:1', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const content = `openapi: 3.0.3\ninfo: { title: t, version: 1.0.0 }\npaths: {}\n${levels.join('\n')}\n`;
    const error = await parseErrorOf({ path: 'bomb.yaml', content });
    expect(error.message).toMatch(/alias/i);
    expect(error.line).toBeGreaterThan(4);
  });
});
