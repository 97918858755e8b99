// JSON Schema 2020-12 keywords (OpenAPI 3.1) and the discriminator: table-driven rules that
// look at whether a keyword (or an entry of a keyword's map) appeared, went away or changed.
// The catalogue holds the direction: `if` added narrows a request (ERR) and is harmless in
// a response, `prefixItems` removed widens a response, and so on.
import { show } from './changes.js';
import type { SchemaView } from './effective.js';
import { isObject } from './refs.js';
import type { At } from './changes.js';

/** Emits `prefix-kind` when the catalogue has it (the comparer's Findings). */
export interface KeywordSink { emit(kinds: string, detail: string, head: At, base?: At): void }

/** Keywords whose presence is the rule: a sub-schema or constraint added or removed. */
const PRESENCE: ReadonlyArray<readonly [keyword: string, kind: string]> = [
  ['contains', 'contains'],
  ['contentSchema', 'content-schema'],
  ['if', 'if'],
  ['then', 'then'],
  ['else', 'else'],
  ['prefixItems', 'prefix-items'],
  ['propertyNames', 'property-names'],
  ['unevaluatedItems', 'unevaluated-items'],
  ['unevaluatedProperties', 'unevaluated-properties'],
];

/** Keywords holding a map whose entries are added or removed one by one. */
const MAPS: ReadonlyArray<readonly [keyword: string, kind: string, what: string]> = [
  ['patternProperties', 'pattern-property', 'pattern property'],
  ['dependentSchemas', 'dependent-schema', 'dependent schema for'],
  ['dependentRequired', 'dependent-required', 'dependent required list of'],
];

/** String keywords where any difference is the rule. */
const CHANGED: ReadonlyArray<readonly [keyword: string, kind: string]> = [
  ['contentEncoding', 'content-encoding-changed'],
  ['contentMediaType', 'content-media-type-changed'],
];

export const KEYWORD_KINDS: readonly string[] = [
  ...PRESENCE.flatMap(([, kind]) => [`${kind}-added`, `${kind}-removed`]),
  ...MAPS.flatMap(([, kind]) => [`${kind}-added`, `${kind}-removed`]),
  'dependent-required-changed',
  ...CHANGED.map(([, kind]) => kind),
  'discriminator-added', 'discriminator-removed', 'discriminator-property-name-changed',
  'discriminator-mapping-added', 'discriminator-mapping-deleted', 'discriminator-mapping-changed',
];

/** Every keyword these rules read: the comparer calls them only when one is written. */
export const KEYWORD_NAMES: readonly string[] = [...PRESENCE.map(([keyword]) => keyword), ...MAPS.map(([keyword]) => keyword), ...CHANGED.map(([keyword]) => keyword), 'discriminator'];

export function compareKeywords(base: SchemaView, head: SchemaView, sink: KeywordSink): void {
  const b = base.value;
  const h = head.value;
  for (const [keyword, kind] of PRESENCE) {
    if (b[keyword] === undefined && h[keyword] !== undefined) sink.emit(`${kind}-added`, `${keyword} was added`, head.at(keyword));
    else if (b[keyword] !== undefined && h[keyword] === undefined) sink.emit(`${kind}-removed`, `${keyword} was removed`, head.at(keyword), base.at(keyword));
  }
  for (const [keyword, kind, what] of MAPS) {
    const before = isObject(b[keyword]) ? b[keyword] : {};
    const after = isObject(h[keyword]) ? h[keyword] : {};
    for (const key of Object.keys(before)) {
      if (!(key in after)) sink.emit(`${kind}-removed`, `${what} ${show(key)} was removed`, head.at(keyword), base.at(keyword, key));
      else if (keyword === 'dependentRequired' && !sameMembers(before[key], after[key])) {
        sink.emit('dependent-required-changed', `${what} ${show(key)} changed from ${show(before[key])} to ${show(after[key])}`, head.at(keyword, key), base.at(keyword, key));
      }
    }
    for (const key of Object.keys(after)) if (!(key in before)) sink.emit(`${kind}-added`, `${what} ${show(key)} was added`, head.at(keyword, key));
  }
  for (const [keyword, kind] of CHANGED) {
    if (b[keyword] !== h[keyword]) {
      const describe = (value: unknown): string => (value === undefined ? 'none' : show(value));
      sink.emit(kind, `${keyword} changed from ${describe(b[keyword])} to ${describe(h[keyword])}`, head.at(keyword), base.at(keyword));
    }
  }
  compareDiscriminator(base, head, sink);
}

function compareDiscriminator(base: SchemaView, head: SchemaView, sink: KeywordSink): void {
  const before = isObject(base.value['discriminator']) ? base.value['discriminator'] : undefined;
  const after = isObject(head.value['discriminator']) ? head.value['discriminator'] : undefined;
  if (!before && !after) return;
  if (!before) return sink.emit('discriminator-added', 'a discriminator was added', head.at('discriminator'));
  if (!after) return sink.emit('discriminator-removed', 'the discriminator was removed', head.at('discriminator'), base.at('discriminator'));
  if (before['propertyName'] !== after['propertyName']) {
    sink.emit('discriminator-property-name-changed', `the discriminator property changed from ${show(before['propertyName'])} to ${show(after['propertyName'])}`, head.at('discriminator', 'propertyName'), base.at('discriminator', 'propertyName'));
  }
  const beforeMapping = isObject(before['mapping']) ? before['mapping'] : {};
  const afterMapping = isObject(after['mapping']) ? after['mapping'] : {};
  for (const key of Object.keys(beforeMapping)) {
    if (!(key in afterMapping)) sink.emit('discriminator-mapping-deleted', `discriminator mapping ${show(key)} was deleted`, head.at('discriminator'), base.at('discriminator', 'mapping', key));
    else if (beforeMapping[key] !== afterMapping[key]) {
      sink.emit('discriminator-mapping-changed', `discriminator mapping ${show(key)} changed from ${show(beforeMapping[key])} to ${show(afterMapping[key])}`, head.at('discriminator', 'mapping', key), base.at('discriminator', 'mapping', key));
    }
  }
  for (const key of Object.keys(afterMapping)) {
    if (!(key in beforeMapping)) sink.emit('discriminator-mapping-added', `discriminator mapping ${show(key)} was added`, head.at('discriminator', 'mapping', key));
  }
}

function sameMembers(a: unknown, b: unknown): boolean {
  const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String).sort() : []);
  return JSON.stringify(list(a)) === JSON.stringify(list(b));
}
