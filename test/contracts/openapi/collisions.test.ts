// Path templates of one shape: none is dropped, both are compared, the document is warned.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChangeSink } from '../../../src/contracts/openapi/changes.js';
import { comparePaths } from '../../../src/contracts/openapi/paths.js';
import { loadSpecSet } from '../../../src/contracts/openapi/refs.js';
import { SchemaComparer } from '../../../src/contracts/openapi/schema-compare.js';
import { diffFixture, expectChange, NOW } from './helpers.js';

describe('colliding path templates', () => {
  it('compares both templates of one shape and warns about the collision with both lines', async () => {
    const { changes } = await diffFixture('collisions');
    // Without the collision handling one of the two would be dropped and these go unseen.
    expectChange(changes, 'new-required-request-parameter', 'GET', '/orgs/{org}/attestations/{subject_digest}', 21);
    expectChange(changes, 'response-success-status-removed', 'GET', '/orgs/{org}/attestations/{subject_digest}', 22);
    // One warning at each of the two lines, naming the other template.
    const second = expectChange(changes, 'path-templates-collide', undefined, '/orgs/{org}/attestations/{subject_digest}', 15);
    const first = expectChange(changes, 'path-templates-collide', undefined, '/orgs/{org}/attestations/{attestation_id}', 6);
    expect([first.level, second.level]).toEqual(['WARN', 'WARN']);
    expect(second.message).toContain('differs from /orgs/{org}/attestations/{attestation_id} only in parameter names');
    expect(changes.filter((change) => change.path === '/orgs/{org}/attestations/{attestation_id}' && change.id !== 'path-templates-collide')).toEqual([]);
  });
});

describe('every operation of a real document is compared', () => {
  it("GitHub's description: the operations paired equal the operations in the document", async () => {
    const file = fileURLToPath(new URL('../../../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url));
    const content = readFileSync(file, 'utf8');
    const document = JSON.parse(content) as { paths: Record<string, Record<string, unknown>> };
    const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
    const inDocument = Object.values(document.paths).reduce((sum, item) => sum + methods.filter((method) => item[method] !== undefined).length, 0);
    const base = await loadSpecSet({ path: 'api.github.com.json', content }, { maxBytes: 64 * 1024 * 1024 });
    const head = await loadSpecSet({ path: 'api.github.com.json', content }, { maxBytes: 64 * 1024 * 1024 });
    const sink = new ChangeSink();
    const pairs = comparePaths({ base, head, now: NOW, sunsetPolicy: {}, sink, schemas: new SchemaComparer(base, head) });
    expect(inDocument).toBeGreaterThan(1000);
    expect(pairs).toHaveLength(inDocument);
    expect(new Set(pairs.map((pair) => `${pair.method} ${pair.head.template}`)).size).toBe(inDocument);
    // The document has colliding templates; each is named.
    expect(sink.changes.filter((change) => change.id === 'path-templates-collide').length).toBeGreaterThan(0);
  });
});
