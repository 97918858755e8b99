// Pairing the members of a composition (oneOf, anyOf, allOf) between base and head by what
// they are, never by where they stand: reordering branches changes nothing. In order of
// confidence: the component a member references, its title, the discriminator value it
// carries, an identical structure (a fingerprint), and lastly the most similar remaining
// member, when the two share at least half of their features.
import { partsOf, SchemaView } from './effective.js';
import { isObject, refOf, type Located, type SpecSet } from './refs.js';

export interface BranchPairing {
  readonly pairs: ReadonlyArray<readonly [number, number]>;
  readonly removed: readonly number[];
  readonly added: readonly number[];
}

/** How a member is named in messages: its component name, title, or position. */
export function memberLabel(set: SpecSet, member: Located, index: number): string {
  const ref = refOf(member.value);
  if (ref !== undefined) return ref.slice(ref.lastIndexOf('/') + 1);
  const title = titleOf(set, member);
  return title !== undefined ? `"${title}"` : `#${index}`;
}

/** Annotations that a wrapper may carry without being more than its one member. */
const WRAPPER_ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'nullable', 'deprecated', 'readOnly', 'writeOnly', 'default', 'externalDocs']);

/** `allOf: [X]` (or a one-branch oneOf/anyOf) with only annotations beside it is X, for naming. */
export function essentialNode(set: SpecSet, node: Located): Located {
  let current = node;
  for (let hop = 0; hop < 16; hop++) {
    const resolved = set.resolve(current);
    const value = resolved.value;
    if (!isObject(value)) return current;
    const wrapper = (['allOf', 'oneOf', 'anyOf'] as const).find((keyword) => Array.isArray(value[keyword]) && (value[keyword] as unknown[]).length === 1);
    if (!wrapper || Object.keys(value).some((key) => key !== wrapper && !WRAPPER_ANNOTATIONS.has(key))) return current;
    current = { doc: resolved.doc, pointer: resolved.pointer.child(wrapper).child(0), value: (value[wrapper] as unknown[])[0] };
  }
  return current;
}

const MIN_SIMILARITY = 0.5;

export function pairBranches(
  baseSet: SpecSet,
  base: readonly Located[],
  headSet: SpecSet,
  head: readonly Located[],
  discriminator?: string,
): BranchPairing {
  const pairs: Array<[number, number]> = [];
  const freeBase = new Set(base.map((_, index) => index));
  const freeHead = new Set(head.map((_, index) => index));
  const byKey = (keyOf: (set: SpecSet, member: Located) => string | undefined): void => {
    const headKeys = new Map<string, number[]>();
    for (const index of freeHead) {
      const key = keyOf(headSet, head[index]!);
      if (key !== undefined) headKeys.set(key, [...(headKeys.get(key) ?? []), index]);
    }
    for (const index of [...freeBase]) {
      const key = keyOf(baseSet, base[index]!);
      const candidates = key === undefined ? undefined : headKeys.get(key);
      const match = candidates?.shift();
      if (match === undefined) continue;
      pairs.push([index, match]);
      freeBase.delete(index);
      freeHead.delete(match);
    }
  };
  byKey((set, member) => {
    const ref = refOf(essentialNode(set, member).value);
    return ref === undefined ? undefined : ref.slice(ref.lastIndexOf('/') + 1);
  });
  byKey(titleOf);
  if (discriminator !== undefined) byKey((set, member) => discriminatorValue(set, member, discriminator));
  byKey((set, member) => fingerprint(set.resolve(member).value));
  pairBySimilarity(baseSet, base, freeBase, headSet, head, freeHead, pairs);
  return { pairs, removed: [...freeBase].sort((a, b) => a - b), added: [...freeHead].sort((a, b) => a - b) };
}

/** Greedy: the most similar free pair first, until no pair shares half of its features. */
function pairBySimilarity(
  baseSet: SpecSet,
  base: readonly Located[],
  freeBase: Set<number>,
  headSet: SpecSet,
  head: readonly Located[],
  freeHead: Set<number>,
  pairs: Array<[number, number]>,
): void {
  if (freeBase.size === 0 || freeHead.size === 0) return;
  const baseFeatures = new Map([...freeBase].map((index) => [index, features(baseSet, base[index]!)]));
  const headFeatures = new Map([...freeHead].map((index) => [index, features(headSet, head[index]!)]));
  const scored: Array<{ b: number; h: number; score: number }> = [];
  for (const [b, bf] of baseFeatures) {
    for (const [h, hf] of headFeatures) {
      const score = jaccard(bf, hf);
      if (score >= MIN_SIMILARITY) scored.push({ b, h, score });
    }
  }
  scored.sort((x, y) => y.score - x.score || x.b - y.b || x.h - y.h);
  for (const { b, h } of scored) {
    if (!freeBase.has(b) || !freeHead.has(h)) continue;
    pairs.push([b, h]);
    freeBase.delete(b);
    freeHead.delete(h);
  }
}

function titleOf(set: SpecSet, member: Located): string | undefined {
  const value = set.resolve(member).value;
  return isObject(value) && typeof value['title'] === 'string' ? value['title'] : undefined;
}

/** The value a branch carries in the discriminator property (`enum: [x]` or `const: x`). */
function discriminatorValue(set: SpecSet, member: Located, property: string): string | undefined {
  const resolved = set.resolve(member);
  const properties = isObject(resolved.value) ? resolved.value['properties'] : undefined;
  if (!isObject(properties) || properties[property] === undefined) return undefined;
  const schema = set.resolve({ doc: resolved.doc, pointer: resolved.pointer.child('properties').child(property), value: properties[property] }).value;
  if (!isObject(schema)) return undefined;
  if (schema['const'] !== undefined) return JSON.stringify(schema['const']);
  const values = schema['enum'];
  return Array.isArray(values) && values.length === 1 ? JSON.stringify(values[0]) : undefined;
}

/** Annotations do not change what a schema accepts, so they do not take part in matching. */
const ANNOTATIONS = new Set(['description', 'title', 'example', 'examples', 'externalDocs', '$comment', 'x-github']);

/** The structure of a schema as a canonical string (keys sorted, annotations left out). */
export function fingerprint(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
  if (!isObject(value)) return JSON.stringify(value) ?? 'undefined';
  const keys = Object.keys(value).filter((key) => !ANNOTATIONS.has(key)).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${UNORDERED.has(key) ? unordered(value[key]) : fingerprint(value[key])}`).join(',')}}`;
}

/** Keywords whose array is a set: the order of branches, enum values or required names means nothing. */
const UNORDERED = new Set(['oneOf', 'anyOf', 'allOf', 'enum', 'required', 'type']);

function unordered(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(fingerprint).sort().join(',')}]` : fingerprint(value);
}

/**
 * What a branch means, coarsely: its effective type, property names, required names, enum
 * values and ref — taken from the effective schema, so a branch rewritten as an allOf of
 * two halves still looks like itself.
 */
function features(set: SpecSet, member: Located): Set<string> {
  const found = new Set<string>();
  const ref = refOf(member.value);
  if (ref !== undefined) found.add(`ref:${ref}`);
  const parts = partsOf(set, [member]);
  if (parts.length === 0) return found;
  const view = new SchemaView(parts[0]!, parts);
  for (const type of view.type.types) found.add(`type:${type}`);
  if (view.type.nullable) found.add('type:null');
  for (const name of view.properties.keys()) found.add(`property:${name}`);
  for (const name of view.required.keys()) found.add(`required:${name}`);
  const value = view.value;
  if (Array.isArray(value['enum'])) for (const item of value['enum']) found.add(`enum:${JSON.stringify(item)}`);
  for (const keyword of ['format', 'pattern', 'const']) if (value[keyword] !== undefined) found.add(`${keyword}:${JSON.stringify(value[keyword])}`);
  for (const items of view.items) found.add(`items:${fingerprint(set.resolve(items).value)}`);
  for (const branches of view.branches) found.add(`${branches.keyword}:${branches.members.length}`);
  if (found.size === 0) found.add(`shape:${fingerprint(parts[0]!.value)}`);
  return found;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const item of a) if (b.has(item)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 1 : shared / union;
}
