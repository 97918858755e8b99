import { describe, expect, it } from 'vitest';
import { openapiDiff } from '../../../src/contracts/openapi/index.js';
import { diffFixture, expectChange } from './helpers.js';

describe('recursive schemas', () => {
  it('terminates and reports a change inside a cycle once per operation and direction', async () => {
    const { changes } = await diffFixture('recursive');
    const request = expectChange(changes, 'request-property-type-changed', 'POST', '/trees', 44);
    expect(request.message).toContain('leaf.weight');
    expectChange(changes, 'response-property-type-changed', 'GET', '/trees', 44);
  });
});

describe('recursive schemas: memoised results', () => {
  const spec = (yType: string) => `openapi: 3.0.3
info: { title: t, version: 1.0.0 }
paths:
  /a:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  wrap: { $ref: '#/components/schemas/B' }
  /b:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  wrap: { $ref: '#/components/schemas/A' }
components:
  schemas:
    A:
      type: object
      properties:
        b: { $ref: '#/components/schemas/B' }
    B:
      type: object
      properties:
        y: { type: ${yType} }
        a: { $ref: '#/components/schemas/A' }
`;

  it('a pair compared while a cycle was cut further out is not reused elsewhere: the other operation still sees the change', async () => {
    // GET /a compares B, then A inside it, with B cut as recursive: A's result lacks b.y.
    // GET /b reaches A without B on the stack and must not reuse that result.
    const { changes } = await openapiDiff({ path: 'a.yaml', content: spec('string') }, { path: 'a.yaml', content: spec('integer') });
    const typeChanges = changes.filter((c) => c.id === 'response-property-type-changed');
    expect(typeChanges.map((c) => `${c.method} ${c.path}`).sort()).toEqual(['GET /a', 'GET /b']);
    expect(typeChanges.find((c) => c.path === '/a')!.message).toContain('wrap.y');
    expect(typeChanges.find((c) => c.path === '/b')!.message).toContain('wrap.b.y');
  });
});
