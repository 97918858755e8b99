import { describe, expect, it } from 'vitest';
import { openapiDiff, SpecParseError, type ReadFile } from '../../../src/contracts/openapi/index.js';
import { fixture, NOW, expectChange } from './helpers.js';

/** A repository at one sha, as a map of repo-relative paths. */
function repoReader(files: Record<string, string>): ReadFile {
  return async (path) => files[path];
}

function sideOf(side: 'base' | 'head'): { spec: { path: string; content: string }; read: ReadFile } {
  return {
    spec: { path: 'api/openapi.yaml', content: fixture(`file-refs/${side}/openapi.yaml`) },
    read: repoReader({
      'api/schemas/pet.yaml': fixture(`file-refs/${side}/schemas/pet.yaml`),
      'api/schemas/owner.yaml': fixture(`file-refs/${side}/schemas/owner.yaml`),
    }),
  };
}

describe('relative file $refs', () => {
  it('follows refs into other files of the repo and reports positions in those files', async () => {
    const base = sideOf('base');
    const head = sideOf('head');
    const { changes } = await openapiDiff(base.spec, head.spec, { readBase: base.read, readHead: head.read, now: NOW });
    const typeChange = changes.find((change) => change.id === 'response-property-type-changed' && change.message.includes('property id'));
    expect(typeChange?.source).toEqual({ file: 'api/schemas/pet.yaml', line: 6, column: 7 });
    const optional = expectChange(changes, 'response-property-became-optional', 'GET', '/pets', 7);
    expect(optional.baseSource).toEqual({ file: 'api/schemas/pet.yaml', line: 7, column: 5 });
  });

  it('resolves a ref relative to the file that contains it (schemas/pet.yaml -> owner.yaml)', async () => {
    const base = sideOf('base');
    const head = sideOf('head');
    const { changes } = await openapiDiff(base.spec, head.spec, { readBase: base.read, readHead: head.read, now: NOW });
    const nested = changes.find((change) => change.message.includes('property owner.email'));
    expect(nested?.id).toBe('response-property-type-changed');
    expect(nested?.source).toEqual({ file: 'api/schemas/owner.yaml', line: 4, column: 5 });
  });

  it('reports a referenced file missing at the sha as a SpecParseError at the $ref', async () => {
    const base = sideOf('base');
    const head = sideOf('head');
    const request = await openapiDiff(base.spec, { ...head.spec }, { readBase: base.read, readHead: repoReader({}), now: NOW }).catch((error: unknown) => error);
    expect(request).toBeInstanceOf(SpecParseError);
    expect((request as SpecParseError).message).toBe('api/openapi.yaml:14:17: $ref ./schemas/pet.yaml#/Pet: file api/schemas/pet.yaml is missing');
  });

  it('refuses a remote $ref without fetching it, naming the line', async () => {
    const error = await openapiDiff({ path: 'openapi.yaml', content: fixture('paths/base.yaml') }, { path: 'openapi.yaml', content: fixture('remote-ref/head.yaml') }, { now: NOW }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpecParseError);
    expect((error as SpecParseError).line).toBe(14);
    expect((error as SpecParseError).message).toContain('remote $ref https://example.com/schemas/pet.yaml#/Pet is not followed');
  });

  it('refuses a $ref that climbs out of the repository', async () => {
    const content = fixture('remote-ref/head.yaml').replace('https://example.com/schemas/pet.yaml#/Pet', '../../etc/pet.yaml');
    const error = await openapiDiff({ path: 'openapi.yaml', content: fixture('paths/base.yaml') }, { path: 'api/openapi.yaml', content }, { readHead: repoReader({}) }).catch((caught: unknown) => caught);
    expect((error as SpecParseError).message).toContain('points outside the repository');
  });

  it('reports an internal $ref that does not resolve', async () => {
    const content = fixture('request-bodies/head.yaml').replace("$ref: '#/components/schemas/NewPet'", "$ref: '#/components/schemas/Kat'");
    const error = await openapiDiff({ path: 'openapi.yaml', content: fixture('request-bodies/base.yaml') }, { path: 'openapi.yaml', content }, { now: NOW }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpecParseError);
    expect((error as SpecParseError).message).toBe('openapi.yaml:13:15: $ref #/components/schemas/Kat does not resolve');
  });
});
