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

export interface TypeInfo { readonly types: ReadonlySet<string>; readonly nullable: boolean }

/** A multi-branch `oneOf`/`anyOf` of the effective schema, with the part that holds it. */
export interface Branches { readonly keyword: 'oneOf' | 'anyOf'; readonly owner: Located; readonly members: readonly Located[] }

/** Which branch of a multi-branch composition to take as if it were the only one (wrapping). */
export interface Pick { readonly keyword: 'oneOf' | 'anyOf'; readonly index: number }

export class SchemaView {
  /** Merged keywords (type, properties, required, items excluded: see the fields below). */
  readonly value: Record<string, unknown> = {};
  readonly type: TypeInfo;
  /** Property name -> its schema in every part that declares it (unresolved, in part order). */
  readonly properties = new Map<string, Located[]>();
  /** Property name -> where the first declaration sits (`properties/<name>` of a part). */
  readonly propertyAt = new Map<string, At>();
  /** Required name -> the entry of a `required` array that requires it. */
  readonly required = new Map<string, At>();
  readonly items: Located[] = [];
  /** Object-valued additionalProperties of every part. */
  readonly additionalProperties: Located[] = [];
  /** The direct allOf members of the schema as written (for added/removed reporting). */
  readonly allOf: Located[] = [];
  readonly branches: Branches[] = [];
  private readonly owners = new Map<string, Located>();
  private readonly typeOwner: Located;

  constructor(
    /** The schema as written (resolved): positions of the schema as a whole. */
    readonly node: Located,
    readonly parts: readonly Located[],
    /** The top schema's branch taken as its only one (wrapping): its siblings are not branches. */
    private readonly pick?: Pick,
  ) {
    let typeOwner: Located | undefined;
    for (const part of parts) {
      const record = part.value as Record<string, unknown>;
      if (typeOwner === undefined && (record['type'] !== undefined || record['nullable'] !== undefined)) typeOwner = part;
      this.mergeKeywords(part, record);
      this.mergeStructure(part, record);
    }
    this.typeOwner = typeOwner ?? node;
    this.type = mergedTypes(parts);
  }

  /** Where a keyword of the effective schema is written (the schema itself when no part has it). */
  at(keyword: string, ...rest: Array<string | number>): At {
    const owner = keyword === 'type' || keyword === 'nullable' ? this.typeOwner : this.owners.get(keyword);
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
    for (const [keyword, value] of Object.entries(record)) {
      if (STRUCTURAL.has(keyword) || ((keyword === 'oneOf' || keyword === 'anyOf') && isSingleBranch(value))) continue;
      if (!(keyword in this.value)) {
        this.value[keyword] = value;
        this.owners.set(keyword, part);
        continue;
      }
      const current = this.value[keyword];
      if (typeof value === 'number' && typeof current === 'number') {
        const tighter = (LOWER_BOUNDS.has(keyword) && value > current) || (UPPER_BOUNDS.has(keyword) && value < current);
        if (tighter) {
          this.value[keyword] = value;
          this.owners.set(keyword, part);
        }
      } else if (ANY_TRUE.has(keyword) && value === true && current !== true) {
        this.value[keyword] = true;
        this.owners.set(keyword, part);
      } else if (keyword === 'enum' && Array.isArray(value) && Array.isArray(current)) {
        const allowed = new Set(value.map((item) => JSON.stringify(item)));
        this.value[keyword] = current.filter((item) => allowed.has(JSON.stringify(item)));
      }
      // Anything else (two patterns, two formats, two discriminators): the first part's stands.
    }
  }

  private mergeStructure(part: Located, record: Record<string, unknown>): void {
    const properties = record['properties'];
    if (isObject(properties)) {
      const container = child(part, 'properties');
      for (const name of Object.keys(properties)) {
        const list = this.properties.get(name);
        const located = child(container, name);
        if (list) list.push(located);
        else {
          this.properties.set(name, [located]);
          this.propertyAt.set(name, at(container, name));
        }
      }
    }
    const required = record['required'];
    if (Array.isArray(required)) {
      required.forEach((name, index) => {
        if (!this.required.has(String(name))) this.required.set(String(name), at(part, 'required', index));
      });
    }
    if (record['items'] !== undefined && record['items'] !== null && typeof record['items'] === 'object') this.items.push(child(part, 'items'));
    if (isObject(record['additionalProperties'])) this.additionalProperties.push(child(part, 'additionalProperties'));
    if (part === this.node && Array.isArray(record['allOf'])) {
      record['allOf'].forEach((_, index) => this.allOf.push(child(child(part, 'allOf'), index)));
    }
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const members = record[keyword];
      if (Array.isArray(members) && members.length > 1 && !(part === this.node && this.pick?.keyword === keyword)) {
        const list = child(part, keyword);
        this.branches.push({ keyword, owner: part, members: members.map((_, index) => child(list, index)) });
      }
    }
  }
}

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
