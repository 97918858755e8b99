import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packJsonSchemaText } from '../../src/packs/json-schema.js';

describe('policy-packs/policy-pack.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (regenerate: npx pj schema > policy-packs/policy-pack.schema.json)', () => {
    expect(readFileSync('policy-packs/policy-pack.schema.json', 'utf8')).toBe(packJsonSchemaText());
  });

  it('rejects unknown keys and names the enums, like the zod schema', () => {
    const schema = JSON.parse(packJsonSchemaText());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'name', 'scope']));
    expect(schema.properties.status.enum).toEqual(['active', 'draft', 'archived']);
    expect(schema.properties.trackA.additionalProperties).toBe(false);
  });
});
