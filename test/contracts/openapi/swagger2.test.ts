// Swagger 2.0 is read as OpenAPI 3.0 (swagger2.ts): the same rules apply, and every finding
// points at the line of the 2.0 file where the changed element is written.
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { openapiDiff, SpecParseError, type OpenApiChange, type ReadFile } from '../../../src/contracts/openapi/index.js';
import { parseSpecDocument } from '../../../src/contracts/openapi/parse.js';
import { convertSwagger2 } from '../../../src/contracts/openapi/swagger2.js';
import { describe as describeChange, diffFixture, expectChange, fixture, NOW, SPEC_PATH } from './helpers.js';

type Json = Record<string, any>;

/** 1-based line of the first line containing `text` after the line containing `after`. */
function lineOf(content: string, text: string, after?: string): number {
  const lines = content.split('\n');
  const start = after === undefined ? 0 : lines.findIndex((line) => line.includes(after));
  expect(start, `line with ${after}`).toBeGreaterThanOrEqual(0);
  const index = lines.findIndex((line, at) => at >= start && line.includes(text));
  expect(index, `line with ${text}`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

describe('Swagger 2.0: breaking changes, by rule id and 2.0 line', () => {
  it('reports each kind of change in the petstore with its id, level, method, path and head line', async () => {
    const { changes } = await diffFixture('swagger2');
    const head = fixture('swagger2/head.yaml');
    // consumes -> request body media types: the removed one is reported at the operation's consumes list.
    const mediaType = expectChange(changes, 'request-body-media-type-removed', 'POST', '/pet', lineOf(head, 'consumes:', 'operationId: "addPet"'));
    expect(mediaType.level).toBe('ERR');
    expect(mediaType.baseSource?.line).toBe(33);
    // Query parameter items (type keywords on the parameter itself in 2.0).
    expectChange(changes, 'request-parameter-property-enum-value-removed', 'GET', '/pet/findByStatus', lineOf(head, 'enum:', 'name: "status"'));
    // A global parameter reached through $ref: the finding is where the parameter is written.
    expectChange(changes, 'request-parameter-max-decreased', 'GET', '/pet/findByStatus', lineOf(head, 'maximum: 50'));
    expectChange(changes, 'request-parameter-max-decreased', 'GET', '/store/order/{orderId}', lineOf(head, 'maximum: 5'));
    // A 2.0 response header (type on the header) is a 3.0 header schema.
    expectChange(changes, 'response-header-type-changed', 'GET', '/pet/findByStatus', lineOf(head, 'type: "string"', 'X-Rate-Limit'));
    // formData parameters are the properties of a form request body.
    expectChange(changes, 'request-property-max-length-decreased', 'POST', '/pet/{petId}', lineOf(head, 'maxLength: 16'));
    const required = expectChange(changes, 'request-property-became-required', 'POST', '/pet/{petId}/uploadImage', lineOf(head, 'required: true', 'name: "additionalMetadata"'));
    expect(required.message).toContain('request body multipart/form-data: property additionalMetadata became required');
    expectChange(changes, 'request-parameter-became-required', 'DELETE', '/pet/{petId}', lineOf(head, 'required: true', 'name: "api_key"'));
    // produces -> response media types: the operation now produces JSON only.
    const produces = expectChange(changes, 'response-media-type-removed', 'GET', '/store/order/{orderId}', lineOf(head, 'produces:', 'operationId: "getOrderById"'));
    expect(produces.baseSource?.line).toBe(lineOf(fixture('swagger2/base.yaml'), '- "application/xml"', 'produces:'));
    // definitions -> component schemas, through $refs in bodies and responses.
    expectChange(changes, 'request-property-became-required', 'POST', '/pet', lineOf(head, '- "tags"'));
    expectChange(changes, 'response-property-type-changed', 'GET', '/pet/findByStatus', lineOf(head, 'type: "string"', '  ApiResponse:'));
    expect(changes.filter((change) => change.id === 'response-property-enum-value-added').map(describeChange).sort()).toEqual([
      `response-property-enum-value-added GET /store/order/{orderId} @${lineOf(head, '- "cancelled"')}`,
      `response-property-enum-value-added POST /store/order @${lineOf(head, '- "cancelled"')}`,
    ]);
    // securityDefinitions and requirements.
    expectChange(changes, 'api-security-scope-removed', 'GET', '/pet/findByStatus', lineOf(head, '- petstore_auth:', 'operationId: "findPetsByStatus"'));
  });

  it('reports the same changes with JSON lines when the 2.0 spec is JSON', async () => {
    const base = JSON.stringify(parse(fixture('swagger2/base.yaml')), null, 2);
    const head = JSON.stringify(parse(fixture('swagger2/head.yaml')), null, 2);
    const { changes } = await openapiDiff({ path: 'swagger.json', content: base }, { path: 'swagger.json', content: head }, { now: NOW });
    const yamlChanges = (await diffFixture('swagger2')).changes;
    expect(changes.map((change) => `${change.id} ${change.method} ${change.path}`).sort()).toEqual(yamlChanges.map((change) => `${change.id} ${change.method} ${change.path}`).sort());
    expectChange(changes, 'request-parameter-max-decreased', 'GET', '/pet/findByStatus', lineOf(head, '"maximum": 50'));
    expectChange(changes, 'request-property-max-length-decreased', 'POST', '/pet/{petId}', lineOf(head, '"maxLength": 16'));
  });

  it('reports a removed operation and a removed path as on 3.x', async () => {
    const base = parse(fixture('swagger2/base.yaml')) as Json;
    const head = structuredClone(base);
    delete head['paths']['/store/order'];
    delete head['paths']['/pet/{petId}']['delete'];
    const { changes } = await diffDocuments(base, head);
    expect(changes.filter((change) => change.level !== 'INFO').map(describeChange).sort()).toEqual([
      'api-path-removed-without-deprecation POST /store/order @' + lineOf(stringify(head), 'paths:'),
      'api-removed-without-deprecation DELETE /pet/{petId} @' + lineOf(stringify(head), '/pet/{petId}:'),
    ]);
  });

  it('compares a Swagger 2.0 base with its OpenAPI 3.0 migration by meaning', async () => {
    const base = parse(fixture('swagger2/base.yaml')) as Json;
    const head = parse(fixture('swagger2/head.yaml')) as Json;
    const migrated = await openapiDiff({ path: SPEC_PATH, content: stringify(base) }, { path: SPEC_PATH, content: fixture('swagger2/base-openapi3.yaml') }, { now: NOW });
    expect(migrated.changes.filter((change) => change.level !== 'INFO').map(describeChange)).toEqual([]);
    // and the migrated document still catches a change made to the 2.0 one
    const { changes } = await openapiDiff({ path: SPEC_PATH, content: fixture('swagger2/base-openapi3.yaml') }, { path: SPEC_PATH, content: stringify(head) }, { now: NOW });
    expect(changes.some((change) => change.id === 'request-parameter-max-decreased' && change.path === '/pet/findByStatus')).toBe(true);
  });
});

async function diffDocuments(base: Json, head: Json, asJson = false): Promise<{ changes: OpenApiChange[] }> {
  const write = (document: Json): string => (asJson ? JSON.stringify(document, null, 2) : stringify(document));
  return openapiDiff({ path: SPEC_PATH, content: write(base) }, { path: SPEC_PATH, content: write(head) }, { now: NOW });
}

/** Rewrites of the petstore that change how it is written, not what it accepts or returns. */
const REWRITES: Record<string, (document: Json) => void> = {
  'definitions and operation keys in another order': (document) => {
    document['definitions'] = Object.fromEntries(Object.entries(document['definitions']).reverse());
    const operation = document['paths']['/pet']['post'];
    document['paths']['/pet']['post'] = Object.fromEntries(Object.entries(operation).reverse());
  },
  'a global parameter $ref inlined (a query and a body one)': (document) => {
    document['paths']['/pet/findByStatus']['get']['parameters'][1] = structuredClone(document['parameters']['limit']);
    document['paths']['/store/order']['post']['parameters'][0] = structuredClone(document['parameters']['orderBody']);
    delete document['parameters'];
  },
  'a global response $ref inlined': (document) => {
    document['paths']['/pet/findByStatus']['get']['responses']['400'] = structuredClone(document['responses']['BadRequest']);
    document['paths']['/store/order']['post']['responses']['400'] = structuredClone(document['responses']['BadRequest']);
    delete document['responses'];
  },
  'a path-level parameter moved into each operation': (document) => {
    const item = document['paths']['/pet/{petId}'];
    const shared = item['parameters'];
    delete item['parameters'];
    for (const method of ['get', 'post', 'delete']) item[method]['parameters'] = [...shared, ...(item[method]['parameters'] ?? [])];
  },
  'a path parameter renamed': (document) => {
    const item = document['paths']['/pet/{petId}/uploadImage'];
    item['post']['parameters'][0]['name'] = 'id';
    document['paths'] = Object.fromEntries(Object.entries(document['paths']).map(([template, value]) => [template === '/pet/{petId}/uploadImage' ? '/pet/{id}/uploadImage' : template, value]));
  },
  'a body parameter renamed (its name is not sent)': (document) => {
    document['paths']['/pet']['post']['parameters'][0]['name'] = 'pet';
  },
  'the default consumes written out on the operation instead of the document': (document) => {
    delete document['consumes'];
    document['paths']['/store/order']['post']['consumes'] = ['application/json'];
  },
  'the document produces moved onto every operation': (document) => {
    const produces = document['produces'];
    delete document['produces'];
    for (const item of Object.values<Json>(document['paths'])) {
      for (const [key, operation] of Object.entries<Json>(item)) if (key !== 'parameters') operation['produces'] = [...produces].reverse();
    }
  },
  'an inline array schema extracted to a definition': (document) => {
    const response = document['paths']['/pet/findByStatus']['get']['responses']['200'];
    document['definitions']['PetList'] = response['schema'];
    response['schema'] = { $ref: '#/definitions/PetList' };
  },
  'formData parameters in another order': (document) => {
    document['paths']['/pet/{petId}']['post']['parameters'].reverse();
    document['paths']['/pet/{petId}/uploadImage']['post']['parameters'].reverse();
  },
  'a definition $ref inlined, another wrapped in a one-member allOf': (document) => {
    const pet = document['definitions']['Pet']['properties'];
    pet['category'] = structuredClone(document['definitions']['Category']);
    pet['tags']['items'] = { allOf: [pet['tags']['items']] };
  },
};

describe('Swagger 2.0: rewrites that change nothing a client sees raise nothing', () => {
  for (const [name, rewrite] of Object.entries(REWRITES)) {
    it(name, async () => {
      const base = parse(fixture('swagger2/base.yaml')) as Json;
      const head = structuredClone(base);
      rewrite(head);
      expect(stringify(head), 'the rewrite applies').not.toBe(stringify(base));
      const { changes } = await diffDocuments(base, head);
      expect(changes.filter((change) => change.level !== 'INFO').map((change) => `${describeChange(change)} ${change.message}`)).toEqual([]);
    });
  }

  it('the same document as YAML and as JSON', async () => {
    const base = parse(fixture('swagger2/base.yaml')) as Json;
    const { changes } = await openapiDiff({ path: 'a.yaml', content: fixture('swagger2/base.yaml') }, { path: 'a.json', content: JSON.stringify(base) }, { now: NOW });
    expect(changes.map(describeChange)).toEqual([]);
  });
});

describe('Swagger 2.0 across files', () => {
  const main = `swagger: "2.0"
info: { title: t, version: "1" }
paths:
  /pets:
    post:
      parameters:
      - $ref: "common/params.yaml#/pageSize"
      - $ref: "common/params.yaml#/petBody"
      responses:
        "200":
          $ref: "common/params.yaml#/petResponse"
`;
  const params = (maximum: number, maxLength: number) => `pageSize:
  name: pageSize
  in: query
  type: integer
  maximum: ${maximum}
petBody:
  name: body
  in: body
  required: true
  schema:
    $ref: "#/Pet"
petResponse:
  description: ok
  schema:
    $ref: "#/Pet"
Pet:
  type: object
  properties:
    name:
      type: string
      maxLength: ${maxLength}
`;
  const reader = (files: Record<string, string>): ReadFile => async (path) => files[path];

  it('follows parameters and responses $ref\'d from another file, and reports at that file\'s lines', async () => {
    const { changes } = await openapiDiff(
      { path: 'api/swagger.yaml', content: main },
      { path: 'api/swagger.yaml', content: main },
      { now: NOW, readBase: reader({ 'api/common/params.yaml': params(100, 64) }), readHead: reader({ 'api/common/params.yaml': params(50, 32) }) },
    );
    expect(changes.map((change) => `${change.id} ${change.source.file}:${change.source.line}`).sort()).toEqual([
      'api-version-not-bumped api/swagger.yaml:2',
      'request-parameter-max-decreased api/common/params.yaml:5',
      'request-property-max-length-decreased api/common/params.yaml:21',
    ]);
  });

  it('follows a $ref from another file back into the 2.0 document\'s definitions', async () => {
    const spec = (type: string) => `swagger: "2.0"
info: { title: t, version: "1" }
paths:
  /owners:
    get:
      responses:
        "200":
          description: ok
          schema:
            $ref: "schemas/owner.yaml"
definitions:
  Pet:
    type: object
    properties:
      id:
        type: ${type}
`;
    const owner = 'type: object\nproperties:\n  pet:\n    $ref: "../swagger.yaml#/definitions/Pet"\n';
    const read = reader({ 'api/schemas/owner.yaml': owner });
    const { changes } = await openapiDiff({ path: 'api/swagger.yaml', content: spec('integer') }, { path: 'api/swagger.yaml', content: spec('string') }, { now: NOW, readBase: read, readHead: read });
    expect(changes.map((change) => `${change.id} ${change.source.file}:${change.source.line}`)).toEqual(['api-version-not-bumped api/swagger.yaml:2', 'response-property-type-changed api/swagger.yaml:16']);
  });

  it('refuses a $ref to a parameter that does not exist, at the $ref', async () => {
    const broken = main.replace('#/pageSize', '#/pageSiz');
    const error = await openapiDiff(
      { path: 'api/swagger.yaml', content: main },
      { path: 'api/swagger.yaml', content: broken },
      { now: NOW, readBase: reader({ 'api/common/params.yaml': params(1, 1) }), readHead: reader({ 'api/common/params.yaml': params(1, 1) }) },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpecParseError);
    expect((error as SpecParseError).message).toBe('api/swagger.yaml:7:9: $ref common/params.yaml#/pageSiz does not resolve (a parameter of the Swagger 2.0 document)');
  });
});

describe('Swagger 2.0: a document that would expand when converted', () => {
  it('is refused with the node limit, at the element being converted, not expanded', () => {
    // 40 media types on each of 40 responses: 1,600 media type objects from 80 lines.
    const produces = Array.from({ length: 40 }, (_, index) => `- application/vnd.t${index}+json`).join('\n');
    const paths = Array.from({ length: 40 }, (_, index) => `  /p${index}:\n    get:\n      responses:\n        "200":\n          description: ok\n          schema: { type: string }`).join('\n');
    const content = `swagger: "2.0"\ninfo: { title: t, version: "1" }\nproduces:\n${produces}\npaths:\n${paths}\n`;
    const document = parseSpecDocument('big.yaml', content, { maxBytes: 1e6, requireOpenApi: true });
    expect(() => convertSwagger2(document, undefined, 2000)).not.toThrow();
    const error = (() => {
      try {
        convertSwagger2(document, undefined, 1000);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(SpecParseError);
    expect((error as SpecParseError).message).toMatch(/^big\.yaml:\d+:\d+: converting this Swagger 2\.0 document to OpenAPI 3\.0 would create more than 1000 elements .*SPEC_MAX_NODES/);
  });
});
