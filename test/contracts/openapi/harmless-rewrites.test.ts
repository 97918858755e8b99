// Rewrites that change how a real spec is written but not what it accepts or returns must
// raise no ERR or WARN. Sites are sampled deterministically (spread over the document) to
// keep the file fast; each rewrite must apply somewhere, so no case passes by doing nothing.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openapiDiff } from '../../../src/contracts/openapi/index.js';
import { NOW } from './helpers.js';

type Json = Record<string, unknown>;
const GENERATED = fileURLToPath(new URL('../../../node_modules/@octokit/openapi/generated/', import.meta.url));
/** Three public descriptions the @octokit/openapi package ships (its GHEC one $refs a file it does not ship). */
const DOCUMENTS = ['api.github.com.json', 'ghes-3.19.json', 'ghes-3.17.json'];
const SITES = 40;
/** A property of the document on both sides (GitHub's has colliding templates), not of a rewrite. */
const DOCUMENT_WARNINGS = new Set(['path-templates-collide']);

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** A schema and how to replace it where it stands. */
interface Site { schema: Json; replace(next: unknown): void }

/** Every schema of the document (media types, parameters, headers, components and everything nested). */
function schemaSites(document: Json): Site[] {
  const sites: Site[] = [];
  const seen = new Set<unknown>();
  const schema = (value: unknown, replace: (next: unknown) => void): void => {
    if (!isObject(value) || seen.has(value)) return;
    seen.add(value);
    sites.push({ schema: value, replace });
    const properties = value['properties'];
    if (isObject(properties)) for (const name of Object.keys(properties)) schema(properties[name], (next) => (properties[name] = next));
    for (const keyword of ['items', 'additionalProperties', 'not']) schema(value[keyword], (next) => (value[keyword] = next));
    for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
      const members = value[keyword];
      if (Array.isArray(members)) members.forEach((member, index) => schema(member, (next) => (members[index] = next)));
    }
  };
  const other = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(other);
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'example' || key === 'examples') continue;
      if (key === 'schema') schema(child, (next) => (value[key] = next));
      else if (key === 'schemas' && isObject(child)) for (const name of Object.keys(child)) schema(child[name], (next) => (child[name] = next));
      else other(child);
    }
  };
  other(document);
  return sites;
}

/** `count` items spread evenly over the list. */
function spread<T>(list: readonly T[], count: number): T[] {
  if (list.length <= count) return [...list];
  return Array.from({ length: count }, (_, index) => list[Math.floor(((index + 0.5) * list.length) / count)] as T);
}

const PLAIN_OBJECT_KEYS = new Set(['type', 'properties', 'required', 'description', 'title']);
const isPlainObjectSchema = (schema: Json): boolean =>
  schema['type'] === 'object' && isObject(schema['properties']) && Object.keys(schema).every((key) => PLAIN_OBJECT_KEYS.has(key));

type Rewrite = (document: Json) => number;

const REWRITES: Record<string, Rewrite> = {
  'a $ref wrapped in a one-member allOf': (document) => {
    const sites = spread(schemaSites(document).filter((site) => typeof site.schema['$ref'] === 'string' && Object.keys(site.schema).length === 1), SITES);
    for (const site of sites) site.replace({ allOf: [site.schema] });
    return sites.length;
  },
  'an inline schema wrapped in a one-member allOf': (document) => {
    const sites = spread(schemaSites(document).filter((site) => site.schema['type'] !== undefined && site.schema['$ref'] === undefined), SITES);
    for (const site of sites) site.replace({ allOf: [site.schema] });
    return sites.length;
  },
  'an allOf of object schemas flattened into one schema': (document) => {
    const components = ((document['components'] as Json)['schemas'] ?? {}) as Json;
    const resolve = (member: unknown): unknown => {
      const ref = isObject(member) ? member['$ref'] : undefined;
      return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? components[ref.slice('#/components/schemas/'.length)] : member;
    };
    const candidates = schemaSites(document).filter((site) => {
      const members = site.schema['allOf'];
      if (!Array.isArray(members) || members.length < 2 || Object.keys(site.schema).some((key) => key !== 'allOf' && key !== 'description')) return false;
      const resolved = members.map(resolve);
      if (!resolved.every((member) => isObject(member) && isPlainObjectSchema(member))) return false;
      const names = resolved.flatMap((member) => Object.keys((member as Json)['properties'] as Json));
      return new Set(names).size === names.length;
    });
    const sites = spread(candidates, SITES);
    for (const site of sites) {
      const members = (site.schema['allOf'] as unknown[]).map(resolve) as Json[];
      const required = members.flatMap((member) => (Array.isArray(member['required']) ? member['required'] : []));
      site.replace({
        type: 'object',
        ...(site.schema['description'] !== undefined ? { description: site.schema['description'] } : {}),
        properties: Object.assign({}, ...members.map((member) => member['properties'])),
        ...(required.length > 0 ? { required } : {}),
      });
    }
    return sites.length;
  },
  'a schema split into an allOf of two': (document) => {
    const candidates = schemaSites(document).filter((site) => isPlainObjectSchema(site.schema) && Object.keys(site.schema['properties'] as Json).length >= 2);
    const sites = spread(candidates, SITES);
    for (const site of sites) {
      const names = Object.keys(site.schema['properties'] as Json);
      const required = Array.isArray(site.schema['required']) ? (site.schema['required'] as string[]) : [];
      const half = (part: string[]): Json => {
        const mine = required.filter((name) => part.includes(name));
        return { type: 'object', properties: Object.fromEntries(part.map((name) => [name, (site.schema['properties'] as Json)[name]])), ...(mine.length > 0 ? { required: mine } : {}) };
      };
      const middle = Math.ceil(names.length / 2);
      site.replace({
        ...(site.schema['description'] !== undefined ? { description: site.schema['description'] } : {}),
        allOf: [half(names.slice(0, middle)), half(names.slice(middle))],
      });
    }
    return sites.length;
  },
  'inline oneOf/anyOf branches reversed': (document) => {
    const candidates = schemaSites(document).filter((site) =>
      ['oneOf', 'anyOf'].some((keyword) => Array.isArray(site.schema[keyword]) && (site.schema[keyword] as unknown[]).length > 1));
    // Every site: reordering is cheap to compare, and positional matching failed on most of them.
    for (const site of candidates) {
      for (const keyword of ['oneOf', 'anyOf']) if (Array.isArray(site.schema[keyword])) (site.schema[keyword] as unknown[]).reverse();
    }
    return candidates.length;
  },
  'OpenAPI 3.0 -> 3.1 with `nullable: true` rewritten as `type: [t, "null"]`': (document) => {
    document['openapi'] = '3.1.0';
    let count = 0;
    for (const { schema } of schemaSites(document)) {
      if (schema['nullable'] !== true || typeof schema['type'] !== 'string') continue;
      schema['type'] = [schema['type'], 'null'];
      delete schema['nullable'];
      count++;
    }
    return count;
  },
};

async function alarmsAfter(name: string, text: string, rewrites: readonly string[]): Promise<string> {
  const document = JSON.parse(text) as Json;
  for (const rewrite of rewrites) expect(REWRITES[rewrite]!(document), `sites rewritten by "${rewrite}"`).toBeGreaterThan(0);
  const { changes } = await openapiDiff({ path: name, content: text }, { path: name, content: JSON.stringify(document) }, { now: NOW, maxBytes: 64 * 1024 * 1024 });
  return changes
    .filter((change) => change.level !== 'INFO' && !DOCUMENT_WARNINGS.has(change.id))
    .slice(0, 10)
    .map((change) => `${change.id} ${change.method ?? ''} ${change.path ?? ''}: ${change.message.slice(0, 300)}`)
    .join('\n');
}

describe('harmless rewrites of GitHub\'s description, one kind at a time', () => {
  const [name] = DOCUMENTS as [string];
  const text = readFileSync(GENERATED + name, 'utf8');
  it.each(Object.keys(REWRITES))('%s: no ERR or WARN', async (rewrite) => {
    expect(await alarmsAfter(name, text, [rewrite])).toBe('');
  });
});

// Each diff of a 12 MB document costs a second or two: the other documents get every rewrite at once.
describe.each(DOCUMENTS.slice(1))('harmless rewrites of %s, all kinds together', (name) => {
  it('no ERR or WARN', async () => {
    expect(await alarmsAfter(name, readFileSync(GENERATED + name, 'utf8'), Object.keys(REWRITES))).toBe('');
  });
});
