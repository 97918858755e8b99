import { describe, expect, it } from 'vitest';
import { applyPatch } from '../../src/drift/item.js';
import { API_DOC, change, detect, fixture, lineOf } from './helpers.js';

const doc = fixture('api-reference.md');
const base = fixture('openapi/base.yaml');
const head = fixture('openapi/head.yaml');
const specChange = () => change({ 'openapi/openapi.yaml': base }, { 'openapi/openapi.yaml': head });

const GENERATED = `

### \`GET /pets\` — List pets

Operation id: \`listPets\`

| Parameter | In | Type | Required | Description |
| --- | --- | --- | --- | --- |
| \`cursor\` | query | string | no | Where the page starts |
| \`limit\` | query | integer | no |  |

| Response | Description |
| --- | --- |
| \`200\` | A page of pets |

### \`POST /pets/{id}/adoptions\`

Operation id: \`adoptPet\`

| Response | Description |
| --- | --- |
| \`201\` | Adopted |

`;

describe('api_reference detector on an API reference', () => {
  it('regenerates the marker-bounded section from the head spec, confidence 1.0', async () => {
    const { items } = await detect(specChange(), doc, [{ type: 'api_reference' }], API_DOC);
    const regen = items.find((i) => i.rule === 'api_reference.regenerated')!;
    expect(regen.confidence).toBe(1);
    expect(regen.changeClass).toBe('breaking');
    expect(regen.docLine).toBe(lineOf(doc, '<!-- puddlejumper:api-reference'));
    expect(regen.evidence).toEqual([
      { file: 'openapi/openapi.yaml', line: lineOf(base, '    delete:'), side: 'base' },
      { file: 'api/pets.md', line: lineOf(doc, '<!-- puddlejumper:api-reference'), side: 'doc' },
    ]);
    expect(applyPatch(doc, regen.patch!)).toBe(
      doc.replace('\n(generated — do not edit by hand)\n', GENERATED),
    );
  });

  it('replaces a renamed operation (same operationId) in a table, and flags a removed one named in prose', async () => {
    const { items } = await detect(specChange(), doc, [{ type: 'api_reference' }], API_DOC);
    const renamed = items.find((i) => i.rule === 'api_reference.operation-renamed')!;
    expect(renamed.subject).toBe('POST /pets/{id}/adopt');
    expect(renamed.docLine).toBe(lineOf(doc, '| `POST` |'));
    expect(applyPatch(doc, renamed.patch!)).toBe(doc.replace('`/pets/{id}/adopt`', '`/pets/{id}/adoptions`'));
    const removed = items.find((i) => i.rule === 'api_reference.operation-removed')!;
    expect(removed.subject).toBe('DELETE /pets/{id}');
    expect(removed.patch).toBeNull();
    expect(removed.docLine).toBe(3);
    expect(removed.message).toContain('no safe edit');
    expect(items).toHaveLength(3);
  });

  it('removes the table row of a removed operation when the table is the only mention', async () => {
    const text = doc.replace('The public API of the pet store. `DELETE /pets/{petId}` is only for admins.', 'The public API of the pet store.');
    const { items } = await detect(specChange(), text, [{ type: 'api_reference', sectionTarget: 'Endpoints' }], API_DOC);
    const removed = items.find((i) => i.rule === 'api_reference.operation-removed')!;
    expect(removed.docLine).toBe(lineOf(text, '| `DELETE` |'));
    expect(applyPatch(text, removed.patch!)).toBe(text.replace('| `DELETE` | `/pets/{petId}` | remove a pet |\n', ''));
  });

  it('a bare path still served by another method is not stale', async () => {
    const b = base.replace('  /pets/{id}:\n    delete:', '  /pets/{id}:\n    get:\n      responses:\n        "200":\n          description: ok\n    delete:');
    const h = head.replace('  /pets/{id}/adoptions:', '  /pets/{id}:\n    get:\n      responses:\n        "200":\n          description: ok\n  /pets/{id}/adoptions:');
    const text = '# API\n\nSee `/pets/{id}` and `GET /pets/{id}`; `DELETE /pets/{id}` is gone.\n';
    const { items } = await detect(change({ 'openapi/openapi.yaml': b }, { 'openapi/openapi.yaml': h }), text, [{ type: 'api_reference', config: { spec: 'openapi/openapi.yaml' } }], API_DOC);
    expect(items.map((i) => [i.rule, i.subject])).toEqual([['api_reference.operation-removed', 'DELETE /pets/{id}']]);
  });

  it('a rename that changes the method edits it where it is written: before the path, or in its own table cell', async () => {
    const spec = (path: string, method: string) => `openapi: 3.0.3\ninfo: { title: t, version: '1' }\npaths:\n  ${path}:\n    ${method}:\n      operationId: deletePet\n      responses:\n        '204': { description: gone }\n`;
    const text = '# API\n\n| Method | Path |\n| --- | --- |\n| `DELETE` | `/pets/{id}` |\n\nCall `DELETE /pets/{id}` to remove a pet.\n';
    const c = change({ 'openapi/openapi.yaml': spec('/pets/{id}', 'delete') }, { 'openapi/openapi.yaml': spec('/pets/{id}/archive', 'post') });
    const { items } = await detect(c, text, [{ type: 'api_reference', config: { spec: 'openapi/openapi.yaml' } }], API_DOC);
    expect(items.map((i) => [i.rule, i.subject])).toEqual([['api_reference.operation-renamed', 'DELETE /pets/{id}']]);
    expect(applyPatch(text, items[0]!.patch!)).toBe('# API\n\n| Method | Path |\n| --- | --- |\n| `POST` | `/pets/{id}/archive` |\n\nCall `POST /pets/{id}/archive` to remove a pet.\n');
  });

  it('does nothing when the spec did not change', async () => {
    const { items } = await detect(change({ 'src/a.ts': '1' }, { 'src/a.ts': '2' }), doc, [{ type: 'api_reference' }], API_DOC);
    expect(items).toEqual([]);
  });

  it('an unreadable head spec is a problem item with the parser position', async () => {
    const { items } = await detect(change({ 'openapi/openapi.yaml': base }, { 'openapi/openapi.yaml': 'openapi: 3.0.3\npaths: [\n' }), doc, [{ type: 'api_reference' }], API_DOC);
    expect(items).toHaveLength(1);
    expect(items[0]!.rule).toBe('problem.spec-unreadable');
    expect(items[0]!.evidence[0]!.file).toBe('openapi/openapi.yaml');
    expect(items[0]!.evidence[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('without a spec in config or marker, says what to set', async () => {
    const { items } = await detect(specChange(), '# API\n\n`DELETE /pets/{id}`\n', [{ type: 'api_reference' }], API_DOC);
    expect(items.map((i) => i.rule)).toEqual(['problem.no-spec']);
  });
});
