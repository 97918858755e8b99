// The effective schema: what a schema means once `allOf` is merged, rather than how it is
// written. A schema is the conjunction of its parts — itself, each `allOf` member (followed
// through $refs, recursively) and the single branch of a one-branch `anyOf`/`oneOf` — and
// the view merges their keywords with the intersection semantics of JSON Schema: types
// intersect, bounds take the tightest value, enums intersect, properties and `required`
// unite. Where members conflict in a way one keyword cannot express (two different
// patterns or formats), the first member's value stands: the comparison stays
// conservative rather than inventing a schema. Every merged keyword remembers the part it
// came from, so a finding still points at the line where the keyword is written.
import { at, type At } from './changes.js';
import { isObject, type Located, type SpecSet } from './refs.js';

/** Keywords whose value is a lower bound: the merge keeps the largest. */
const LOWER_BOUNDS = new Set(['minLength', 'minimum', 'minItems', 'exclusiveMinimum', 'minProperties', 'minContains']);
/** Keywords whose value is an upper bound: the merge keeps the smallest. */
const UPPER_BOUNDS = new Set(['maxLength', 'maximum', 'maxItems', 'exclusiveMaximum', 'maxProperties', 'maxContains']);
/** Flags that hold for the conjunction when any part sets them. */
const ANY_TRUE = new Set(['readOnly', 'writeOnly', 'deprecated', 'uniqueItems']);
/** Handled as structure, not copied as keywords. */
const STRUCTURAL = new Set(['allOf', 'properties', 'required', 'items', 'additionalProperties', 'type', 'nullable', '$ref']);

const NONE: readonly Located[] = Object.freeze([]);
const NONE_BRANCHES: readonly Branches[] = Object.freeze([]);

export interface TypeInfo { readonly types: ReadonlySet<string>; readonly nullable: boolean }

/** A multi-branch `oneOf`/`anyOf` of the effective schema, with the part that holds it. */
export interface Branches { readonly keyword: 'oneOf' | 'anyOf'; readonly owner: Located; readonly members: readonly Located[] }

/** Which branch of a multi-branch composition to take as if it were the only one (wrapping). */
export interface Pick { readonly keyword: 'oneOf' | 'anyOf'; readonly index: number }

export class SchemaView {
  /**
   * Merged keywords (for one part, the part itself; merged, without type, properties,
   * required and items: see the members below).
   */
  readonly value: Record<string, unknown>;
  // Most schemas have none of these: they share one empty list until something is found.
  items: readonly Located[] = NONE;
  /** Object-valued additionalProperties of every part. */
  additionalProperties: readonly Located[] = NONE;
  /** The direct allOf members of the schema as written (for added/removed reporting). */
  allOf: readonly Located[] = NONE;
  branches: readonly Branches[] = NONE_BRANCHES;
  private readonly owners: Map<string, Located> | undefined;
  private typeInfo: TypeInfo | undefined;
  private readonly typeOwner: Located;
  private propertyMap: Map<string, Located[]> | undefined;
  private requiredMap: Map<string, At> | undefined;

  constructor(
    /** The schema as written (resolved): positions of the schema as a whole. */
    readonly node: Located,
    readonly parts: readonly Located[],
    /** The top schema's branch taken as its only one (wrapping): its siblings are not branches. */
    private readonly pick?: Pick,
  ) {
    let typeOwner: Located | undefined;
    if (parts.length === 1) {
      // The common case: nothing to merge, the schema is its own effective schema.
      this.value = node.value as Record<string, unknown>;
      this.owners = undefined;
    } else {
      this.value = {};
      this.owners = new Map();
    }
    for (const part of parts) {
      const record = part.value as Record<string, unknown>;
      if (typeOwner === undefined && (record['type'] !== undefined || record['nullable'] !== undefined)) typeOwner = part;
      if (this.owners) this.mergeKeywords(part, record);
      this.collectStructure(part, record);
    }
    this.typeOwner = typeOwner ?? node;
  }

  get type(): TypeInfo {
    return (this.typeInfo ??= mergedTypes(this.parts));
  }

  /** Property name -> its schema in every part that declares it (unresolved, in part order). */
  get properties(): ReadonlyMap<string, Located[]> {
    if (this.propertyMap) return this.propertyMap;
    const found = new Map<string, Located[]>();
    for (const part of this.parts) {
      const properties = (part.value as Record<string, unknown>)['properties'];
      if (!isObject(properties)) continue;
      const container = child(part, 'properties');
      for (const name of Object.keys(properties)) {
        const located = child(container, name);
        const list = found.get(name);
        if (list) list.push(located);
        else found.set(name, [located]);
      }
    }
    return (this.propertyMap = found);
  }

  /** Where a property is first declared (`properties/<name>` of a part). */
  propertyAt(name: string): At | undefined {
    const first = this.properties.get(name)?.[0];
    return first && at(first);
  }

  /** Required name -> the entry of a `required` array that requires it. */
  get required(): ReadonlyMap<string, At> {
    if (this.requiredMap) return this.requiredMap;
    const found = new Map<string, At>();
    for (const part of this.parts) {
      const required = (part.value as Record<string, unknown>)['required'];
      if (!Array.isArray(required)) continue;
      required.forEach((name, index) => {
        if (!found.has(String(name))) found.set(String(name), at(part, 'required', index));
      });
    }
    return (this.requiredMap = found);
  }

  /** Where a keyword of the effective schema is written (the schema itself when no part has it). */
  at(keyword: string, ...rest: Array<string | number>): At {
    if (keyword === 'type' || keyword === 'nullable') return at(this.typeOwner, keyword, ...rest);
    if (!this.owners) return keyword in this.value ? at(this.node, keyword, ...rest) : at(this.node);
    const owner = this.owners.get(keyword);
    return owner ? at(owner, keyword, ...rest) : at(this.node);
  }

  /** Where the type is written: `type`, else `nullable`, else the schema. */
  typeAt(): At {
    const record = this.typeOwner.value as Record<string, unknown>;
    if (record['type'] !== undefined) return at(this.typeOwner, 'type');
    if (record['nullable'] !== undefined) return at(this.typeOwner, 'nullable');
    return at(this.typeOwner);
  }

  /** Where the properties are written (the first part that has any), for removals. */
  propertiesAt(): At {
    for (const part of this.parts) if (isObject((part.value as Record<string, unknown>)['properties'])) return at(part, 'properties');
    return at(this.node);
  }

  private mergeKeywords(part: Located, record: Record<string, unknown>): void {
    const value = this.value;
    const owners = this.owners as Map<string, Located>;
    for (const keyword of Object.keys(record)) {
      const incoming = record[keyword];
      if (STRUCTURAL.has(keyword) || ((keyword === 'oneOf' || keyword === 'anyOf') && isSingleBranch(incoming))) continue;
      if (!(keyword in value)) {
        value[keyword] = incoming;
        owners.set(keyword, part);
        continue;
      }
      const current = value[keyword];
      if (typeof incoming === 'number' && typeof current === 'number') {
        const tighter = (LOWER_BOUNDS.has(keyword) && incoming > current) || (UPPER_BOUNDS.has(keyword) && incoming < current);
        if (tighter) {
          value[keyword] = incoming;
          owners.set(keyword, part);
        }
      } else if (ANY_TRUE.has(keyword) && incoming === true && current !== true) {
        value[keyword] = true;
        owners.set(keyword, part);
      } else if (keyword === 'enum' && Array.isArray(incoming) && Array.isArray(current)) {
        const allowed = new Set(incoming.map((item) => JSON.stringify(item)));
        value[keyword] = current.filter((item) => allowed.has(JSON.stringify(item)));
      }
      // Anything else (two patterns, two formats, two discriminators): the first part's stands.
    }
  }

  private collectStructure(part: Located, record: Record<string, unknown>): void {
    const items = record['items'];
    if (items !== undefined && items !== null && typeof items === 'object') this.items = [...this.items, child(part, 'items')];
    if (isObject(record['additionalProperties'])) this.additionalProperties = [...this.additionalProperties, child(part, 'additionalProperties')];
    const allOf = record['allOf'];
    if (part === this.node && Array.isArray(allOf)) {
      const list = child(part, 'allOf');
      this.allOf = allOf.map((_, index) => child(list, index));
    }
    for (const keyword of BRANCH_KEYWORDS) {
      const members = record[keyword];
      if (Array.isArray(members) && members.length > 1 && !(part === this.node && this.pick?.keyword === keyword)) {
        const list = child(part, keyword);
        this.branches = [...this.branches, { keyword, owner: part, members: members.map((_, index) => child(list, index)) }];
      }
    }
  }
}

const BRANCH_KEYWORDS = ['oneOf', 'anyOf'] as const;

function child(node: Located, key: string | number): Located {
  return { doc: node.doc, pointer: node.pointer.child(key), value: (node.value as Record<string, unknown>)[key] };
}

function isSingleBranch(value: unknown): boolean {
  return Array.isArray(value) && value.length === 1;
}

/**
 * The parts of a schema: the schemas (resolved) whose conjunction it is. `pick` treats one
 * branch of the top schema's multi-branch composition as its only branch.
 */
export function partsOf(set: SpecSet, nodes: readonly Located[], pick?: Pick): Located[] {
  if (nodes.length === 1 && !pick) {
    // The common case: one schema that composes nothing.
    const resolved = set.resolve(nodes[0]!);
    if (!isObject(resolved.value)) return [];
    if (!isComposed(resolved.value)) return [resolved];
  }
  const parts: Located[] = [];
  const seen = new Set<string>();
  const visit = (node: Located, top: boolean): void => {
    const resolved = set.resolve(node);
    if (!isObject(resolved.value)) return;
    const id = `${resolved.doc.file}${resolved.pointer.toString()}`;
    // A cycle through allOf (A = allOf[B], B = allOf[A]) adds nothing the first visit did not.
    if (seen.has(id)) return;
    seen.add(id);
    parts.push(resolved);
    const record = resolved.value;
    const allOf = record['allOf'];
    if (Array.isArray(allOf)) allOf.forEach((_, index) => visit(child(child(resolved, 'allOf'), index), false));
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const members = record[keyword];
      if (isSingleBranch(members)) visit(child(child(resolved, keyword), 0), false);
      else if (top && pick?.keyword === keyword && Array.isArray(members)) visit(child(child(resolved, keyword), pick.index), false);
    }
  };
  nodes.forEach((node) => visit(node, true));
  return parts;
}

export function viewOf(set: SpecSet, nodes: readonly Located[], pick?: Pick): SchemaView | undefined {
  const parts = partsOf(set, nodes, pick);
  return parts.length === 0 ? undefined : new SchemaView(parts[0]!, parts, pick);
}

/** True when the schema needs merging (an allOf, or a one-branch anyOf/oneOf somewhere on top). */
export function isComposed(value: unknown): boolean {
  if (!isObject(value)) return false;
  return Array.isArray(value['allOf']) || isSingleBranch(value['oneOf']) || isSingleBranch(value['anyOf']);
}

/** Types of one part, without 'null'; nullability for 3.0 (`nullable`) and 3.1 (`type: [x, 'null']`). */
export function typeInfo(schema: Record<string, unknown>): TypeInfo {
  const declared = schema['type'];
  const list = Array.isArray(declared) ? declared.map(String) : typeof declared === 'string' ? [declared] : [];
  return {
    types: new Set(list.filter((type) => type !== 'null')),
    nullable: list.includes('null') || schema['nullable'] === true,
  };
}

/**
 * The types of a conjunction: the intersection of what the parts declare (integer is a kind
 * of number). Null is allowed when every part that declares a type allows it; a bare
 * `nullable: true` beside an allOf (the OpenAPI 3.0 idiom for "a nullable X") makes it nullable.
 */
function mergedTypes(parts: readonly Located[]): TypeInfo {
  if (parts.length === 1) return typeInfo(parts[0]!.value as Record<string, unknown>);
  let types: Set<string> | undefined;
  let declaring = 0;
  let allNullable = true;
  let bareNullable = false;
  for (const part of parts) {
    const record = part.value as Record<string, unknown>;
    const info = typeInfo(record);
    if (record['type'] === undefined) {
      if (record['nullable'] === true) bareNullable = true;
      continue;
    }
    declaring++;
    if (!info.nullable) allNullable = false;
    if (info.types.size === 0) continue;
    if (!types) {
      types = new Set(info.types);
      continue;
    }
    const next = new Set<string>();
    for (const type of types) {
      if (info.types.has(type)) next.add(type);
      else if (type === 'integer' && info.types.has('number')) next.add('integer');
    }
    if (types.has('number') && info.types.has('integer')) next.add('integer');
    // Members that contradict each other describe no value at all; keep the first's types
    // rather than report a schema nobody wrote.
    if (next.size > 0) types = next;
  }
  return { types: types ?? new Set(), nullable: bareNullable || (declaring > 0 && allNullable) };
}
