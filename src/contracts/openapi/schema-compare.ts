// The one schema comparer. Request and response rules both use it; the direction decides
// which rule ids apply (the catalogue holds, for each id, whether it breaks clients: a
// request narrowing breaks senders, a response widening breaks readers).
//
// Schemas are compared lazily, following $refs as they are met. Results of a ref pair are
// memoised per scope, so a component shared by hundreds of operations is compared once and
// recursive schemas stop at the pair already being compared.
import { at, show, type At } from './changes.js';
import { RULES } from './rules.js';
import { isObject, refOf, type Located, type SpecSet } from './refs.js';

export type Direction = 'request' | 'response';
export type Subject = 'body' | 'parameter' | 'header';

export interface SchemaScope { readonly direction: Direction; readonly subject: Subject }

/** A schema change, with the property path relative to where the comparison started. */
export interface SchemaChange {
  readonly id: string;
  readonly detail: string;
  readonly propertyPath: readonly string[];
  readonly head: At;
  readonly base?: At;
}

const NO_CHANGES: readonly SchemaChange[] = Object.freeze([]);
const MAX_DEPTH = 100;

/** Rule-id prefix: the catalogue names root schemas and nested properties differently. */
function idPrefix(scope: SchemaScope, isRoot: boolean): string {
  if (scope.direction === 'response') {
    if (scope.subject === 'header') return isRoot ? 'response-header' : 'response-header-property';
    return isRoot ? 'response-body' : 'response-property';
  }
  if (scope.subject === 'body') return isRoot ? 'request-body' : 'request-property';
  return isRoot ? 'request-parameter' : 'request-parameter-property';
}

/** Accumulates the changes of one schema pair under its rule-id prefix. */
class Findings {
  readonly list: SchemaChange[] = [];

  constructor(private readonly prefix: string) {}

  /** Emits the first of `kinds` whose id the catalogue knows. */
  emit(kinds: string | readonly string[], detail: string, head: At, base?: At): void {
    for (const kind of typeof kinds === 'string' ? [kinds] : kinds) {
      const id = `${this.prefix}-${kind}`;
      if (RULES.has(id)) {
        this.emitId(id, detail, head, base);
        return;
      }
    }
  }

  emitId(id: string, detail: string, head: At, base?: At): void {
    if (RULES.has(id)) this.list.push({ id, detail, propertyPath: [], head, ...(base ? { base } : {}) });
  }

  addNested(changes: readonly SchemaChange[], segment: string | undefined): void {
    for (const change of changes) {
      this.list.push(segment === undefined ? change : { ...change, propertyPath: [segment, ...change.propertyPath] });
    }
  }
}

/**
 * One change per rule and element, reached along the shortest property path (what the engine
 * keeps in the end anyway). Without this, a cyclic group of schemas lists an element once per
 * path through the cycle, and those lists multiply as they nest.
 */
function shortestPerElement(changes: SchemaChange[]): SchemaChange[] {
  if (changes.length < 2) return changes;
  const kept = new Map<string, SchemaChange>();
  for (const change of changes) {
    const key = [change.id, change.head.doc.file, change.head.pointer.segments().join('/'), change.base?.doc.file, change.base?.pointer.segments().join('/')].join('|');
    const previous = kept.get(key);
    if (!previous || change.propertyPath.join('.').length < previous.propertyPath.join('.').length) kept.set(key, change);
  }
  return kept.size === changes.length ? changes : [...kept.values()];
}

interface TypeInfo { types: ReadonlySet<string>; nullable: boolean }

/** Types without 'null', and nullability, for both 3.0 (`nullable`) and 3.1 (`type: [x, 'null']`). */
function typeInfo(schema: Record<string, unknown>): TypeInfo {
  const declared = schema['type'];
  const list = Array.isArray(declared) ? declared.map(String) : typeof declared === 'string' ? [declared] : [];
  return {
    types: new Set(list.filter((type) => type !== 'null')),
    nullable: list.includes('null') || schema['nullable'] === true,
  };
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}

function isSubset(small: ReadonlySet<string>, large: ReadonlySet<string>): boolean {
  return [...small].every((item) => large.has(item));
}

function describeTypes(types: ReadonlySet<string>): string {
  return types.size === 0 ? 'any' : [...types].join('|');
}

const BOUNDS: ReadonlyArray<{ keyword: string; kind: string }> = [
  { keyword: 'maxLength', kind: 'max-length' },
  { keyword: 'minLength', kind: 'min-length' },
  { keyword: 'maximum', kind: 'max' },
  { keyword: 'minimum', kind: 'min' },
  { keyword: 'maxItems', kind: 'max-items' },
  { keyword: 'minItems', kind: 'min-items' },
  { keyword: 'exclusiveMaximum', kind: 'exclusive-max' },
  { keyword: 'exclusiveMinimum', kind: 'exclusive-min' },
];

const COMPOSITIONS: ReadonlyArray<{ keyword: string; kind: string }> = [
  { keyword: 'oneOf', kind: 'one-of' },
  { keyword: 'anyOf', kind: 'any-of' },
  { keyword: 'allOf', kind: 'all-of' },
];

export class SchemaComparer {
  /** Complete results per ref pair, for the whole diff. */
  private readonly memo = new Map<string, readonly SchemaChange[]>();
  /**
   * Results computed while a recursive pair further out was cut (`cutAt`). They lack what
   * lies below the cut pairs along that path — reported once by the cut pair's own frame,
   * within the same outermost comparison — so they are reused only until that outermost
   * comparison (one body, parameter or response) is done.
   */
  private readonly partial = new Map<string, { result: readonly SchemaChange[]; cutAt: readonly string[] }>();
  private readonly inProgress = new Set<string>();
  /** Pairs cut as recursive (or reached through a partial result) in the current frame. */
  private cuts: Set<string> | undefined;
  /** When each pair's frame started, within the current outermost comparison. */
  private readonly started = new Map<string, number>();
  private frames = 0;
  private calls = 0;
  private depth = 0;

  constructor(
    private readonly base: SpecSet,
    private readonly head: SpecSet,
  ) {}

  /** Compares two schemas (either may be a $ref) under a scope; `isRoot` = body/parameter root. */
  compare(baseSchema: Located, headSchema: Located, scope: SchemaScope, isRoot: boolean): readonly SchemaChange[] {
    this.calls++;
    try {
      return this.compareOnce(baseSchema, headSchema, scope, isRoot);
    } finally {
      if (--this.calls === 0) {
        this.promotePartials();
        this.partial.clear();
        this.started.clear();
        this.cuts = undefined;
      }
    }
  }

  private compareOnce(baseSchema: Located, headSchema: Located, scope: SchemaScope, isRoot: boolean): readonly SchemaChange[] {
    const baseResolved = this.base.resolve(baseSchema);
    const headResolved = this.head.resolve(headSchema);
    const viaRef = baseResolved !== baseSchema || headResolved !== headSchema;
    if (!viaRef) return this.compareGuarded(baseResolved, headResolved, scope, isRoot);

    const key = `${scope.direction}|${scope.subject}|${isRoot}|${identity(baseResolved)}|${identity(headResolved)}`;
    const known = this.memo.get(key);
    if (known) return known;
    const partial = this.partial.get(key);
    if (partial) {
      for (const pair of partial.cutAt) this.cut(pair);
      return partial.result;
    }
    // A pair already on the stack is a recursive schema: its changes are reported by the
    // outer comparison, so the inner occurrence adds nothing.
    if (this.inProgress.has(key)) {
      this.cut(key);
      return NO_CHANGES;
    }
    const outerCuts = this.cuts;
    this.cuts = undefined;
    this.inProgress.add(key);
    const start = this.frames++;
    this.started.set(key, start);
    let cutAt: string[] = [];
    try {
      const result = this.compareGuarded(baseResolved, headResolved, scope, isRoot);
      // A cut at this pair, or at a pair whose frame ran inside this one, is covered by this
      // result; a cut at a pair still further out on the stack, or one that ran before, is not.
      cutAt = [...(this.cuts ?? [])].filter(
        (pair) => pair !== key && (this.inProgress.has(pair) || (this.started.get(pair) ?? -1) < start),
      );
      if (cutAt.length === 0) this.memo.set(key, result);
      else this.partial.set(key, { result, cutAt });
      return result;
    } finally {
      this.inProgress.delete(key);
      this.cuts = outerCuts;
      for (const pair of cutAt) this.cut(pair);
    }
  }

  /**
   * A partial result lost nothing when every pair cut below it turned out to have no changes
   * at all: it is complete. Cut pairs are outer frames, which finish (and are recorded) after
   * the inner ones: walking the partials newest first settles most in one pass.
   */
  private promotePartials(): void {
    const pending = [...this.partial].reverse();
    for (let promoted = true; promoted && pending.length > 0; ) {
      promoted = false;
      for (let i = 0; i < pending.length; i++) {
        const [key, { result, cutAt }] = pending[i]!;
        if (!cutAt.every((pair) => this.memo.get(pair)?.length === 0)) continue;
        this.memo.set(key, result);
        pending.splice(i--, 1);
        promoted = true;
      }
    }
  }

  private cut(pair: string): void {
    (this.cuts ??= new Set()).add(pair);
  }

  private compareGuarded(base: Located, head: Located, scope: SchemaScope, isRoot: boolean): readonly SchemaChange[] {
    if (!isObject(base.value) || !isObject(head.value) || this.depth > MAX_DEPTH) return NO_CHANGES;
    this.depth++;
    try {
      const findings = new Findings(idPrefix(scope, isRoot));
      this.compareResolved(base, head, scope, findings);
      return findings.list.length === 0 ? NO_CHANGES : shortestPerElement(findings.list);
    } finally {
      this.depth--;
    }
  }

  private compareResolved(base: Located, head: Located, scope: SchemaScope, findings: Findings): void {
    const b = base.value as Record<string, unknown>;
    const h = head.value as Record<string, unknown>;
    compareType(b, h, base, head, scope, findings);
    compareEnum(b, h, base, head, findings);
    comparePattern(b, h, base, head, findings);
    compareBounds(b, h, base, head, findings);
    compareValueKeyword('default', 'default-value', b, h, base, head, findings);
    compareValueKeyword('const', 'const', b, h, base, head, findings);
    this.compareCompositions(base, head, scope, findings);
    this.compareItems(base, head, scope, findings);
    this.compareAdditionalProperties(base, head, scope, findings);
    this.compareProperties(base, head, scope, findings);
  }

  /** Map values (`additionalProperties: {schema}`) are compared like properties named `*`. */
  private compareAdditionalProperties(base: Located, head: Located, scope: SchemaScope, findings: Findings): void {
    const baseValues = childLocated(base, 'additionalProperties');
    const headValues = childLocated(head, 'additionalProperties');
    if (baseValues && headValues && isObject(baseValues.value) && isObject(headValues.value)) {
      findings.addNested(this.compare(baseValues, headValues, scope, false), '*');
    }
  }

  private compareItems(base: Located, head: Located, scope: SchemaScope, findings: Findings): void {
    const baseItems = childLocated(base, 'items');
    const headItems = childLocated(head, 'items');
    if (baseItems && headItems) findings.addNested(this.compare(baseItems, headItems, scope, false), '[]');
  }

  private compareCompositions(base: Located, head: Located, scope: SchemaScope, findings: Findings): void {
    for (const { keyword, kind } of COMPOSITIONS) {
      const baseMembers = (base.value as Record<string, unknown>)[keyword];
      const headMembers = (head.value as Record<string, unknown>)[keyword];
      const baseItems = Array.isArray(baseMembers) ? (baseMembers as unknown[]) : [];
      const headItems = Array.isArray(headMembers) ? (headMembers as unknown[]) : [];
      if (baseItems.length === 0 && headItems.length === 0) continue;
      const headByKey = new Map(headItems.map((item, index) => [subschemaKey(item, index), index]));
      const baseKeys = new Set<string>();
      baseItems.forEach((item, index) => {
        const key = subschemaKey(item, index);
        baseKeys.add(key);
        const headIndex = headByKey.get(key);
        if (headIndex === undefined) {
          findings.emit(`${kind}-removed`, `${keyword} member ${key} was removed`, at(head, keyword), at(base, keyword, index));
          return;
        }
        const pair = [childLocated(base, keyword, index), childLocated(head, keyword, headIndex)] as const;
        if (pair[0] && pair[1]) findings.addNested(this.compare(pair[0], pair[1], scope, false), undefined);
      });
      headItems.forEach((item, index) => {
        const key = subschemaKey(item, index);
        if (!baseKeys.has(key)) findings.emit(`${kind}-added`, `${keyword} member ${key} was added`, at(head, keyword, index));
      });
    }
  }

  private compareProperties(base: Located, head: Located, scope: SchemaScope, findings: Findings): void {
    const baseProperties = childLocated(base, 'properties');
    const headProperties = childLocated(head, 'properties');
    if (!baseProperties && !headProperties) return;
    const baseRequired = requiredSet(base.value);
    const headRequired = requiredSet(head.value);
    const baseNames = isObject(baseProperties?.value) ? Object.keys(baseProperties.value) : [];
    const headNames = new Set(isObject(headProperties?.value) ? Object.keys(headProperties.value) : []);
    const properties = new PropertyRules(scope, findings, base, head, baseRequired, headRequired);

    for (const name of baseNames) {
      const baseProperty = this.base.resolve(childLocated(baseProperties, name) as Located);
      const headChild = childLocated(headProperties, name);
      if (!headChild) {
        properties.removed(name, baseProperty);
        continue;
      }
      const headProperty = this.head.resolve(headChild);
      properties.changed(name, baseProperty, headProperty);
      if (!properties.isInvisible(baseProperty.value, headProperty.value)) {
        findings.addNested(this.compare(childLocated(baseProperties, name) as Located, headChild, scope, false), name);
      }
    }
    for (const name of headNames) {
      if (baseNames.includes(name)) continue;
      properties.added(name, this.head.resolve(childLocated(headProperties, name) as Located));
    }
  }
}

function identity(node: Located): string {
  return `${node.doc.file}${node.pointer.toString()}`;
}

function childLocated(node: Located | undefined, ...keys: Array<string | number>): Located | undefined {
  let current = node;
  for (const key of keys) {
    const container = current?.value;
    if (!current || container === null || typeof container !== 'object') return undefined;
    const value = (container as Record<string, unknown>)[key];
    if (value === undefined) return undefined;
    current = { doc: current.doc, pointer: current.pointer.child(key), value };
  }
  return current;
}

/** Members of oneOf/anyOf/allOf are matched by the component they reference, else by position. */
function subschemaKey(item: unknown, index: number): string {
  const ref = refOf(item);
  if (ref !== undefined) return ref.slice(ref.lastIndexOf('/') + 1);
  return `#${index}`;
}

function requiredSet(schema: unknown): Set<string> {
  const required = isObject(schema) ? schema['required'] : undefined;
  return new Set(Array.isArray(required) ? required.map(String) : []);
}

function compareType(b: Record<string, unknown>, h: Record<string, unknown>, base: Located, head: Located, scope: SchemaScope, findings: Findings): void {
  const before = typeInfo(b);
  const after = typeInfo(h);
  const typeAt = at(head, h['type'] !== undefined ? 'type' : 'nullable');
  if (!sameSet(before.types, after.types)) {
    const detail = `type changed from ${describeTypes(before.types)} to ${describeTypes(after.types)}`;
    findings.emit(typeChangeKinds(before.types, after.types, scope.direction), detail, typeAt, at(base, 'type'));
  } else if (b['format'] !== h['format'] && formatChangeMatters(b['format'], h['format'], scope.direction)) {
    const detail = `format changed from ${b['format'] === undefined ? 'none' : show(b['format'])} to ${h['format'] === undefined ? 'none' : show(h['format'])}`;
    findings.emit('type-changed', detail, at(head, h['format'] !== undefined ? 'format' : 'type'), at(base, 'format'));
  }
  if (!before.nullable && after.nullable) findings.emit('became-nullable', 'became nullable', typeAt, at(base, 'type'));
  if (before.nullable && !after.nullable) findings.emit('became-not-nullable', 'is no longer nullable', typeAt, at(base, 'type'));
}

/** Candidate kinds, most specific first; the catalogue decides which exist for the prefix. */
function typeChangeKinds(before: ReadonlySet<string>, after: ReadonlySet<string>, direction: Direction): string[] {
  if (before.size === 0) return direction === 'request' ? ['type-changed'] : ['type-specialized'];
  if (after.size === 0) return ['type-generalized', 'type-changed'];
  if (before.size === 1 && after.size === 1) {
    if (before.has('integer') && after.has('number')) return ['type-generalized', 'type-changed'];
    if (before.has('number') && after.has('integer')) return ['type-specialized', 'type-changed'];
    return ['type-changed'];
  }
  if (isSubset(after, before)) return ['list-of-types-narrowed'];
  if (isSubset(before, after)) return ['list-of-types-widened'];
  return ['type-changed'];
}

/** Adding a format narrows a request; dropping one widens a response; a different one breaks both. */
function formatChangeMatters(before: unknown, after: unknown, direction: Direction): boolean {
  if (before !== undefined && after !== undefined) return true;
  return direction === 'request' ? after !== undefined : before !== undefined;
}

function compareEnum(b: Record<string, unknown>, h: Record<string, unknown>, base: Located, head: Located, findings: Findings): void {
  const before = Array.isArray(b['enum']) ? (b['enum'] as unknown[]) : undefined;
  const after = Array.isArray(h['enum']) ? (h['enum'] as unknown[]) : undefined;
  if (!after) return;
  if (!before) {
    findings.emit('became-enum', `became an enum of ${after.map(show).join(', ')}`, at(head, 'enum'));
    return;
  }
  const beforeKeys = new Set(before.map((value) => JSON.stringify(value)));
  const afterKeys = new Set(after.map((value) => JSON.stringify(value)));
  before.forEach((value, index) => {
    if (!afterKeys.has(JSON.stringify(value))) findings.emit('enum-value-removed', `enum value ${show(value)} was removed`, at(head, 'enum'), at(base, 'enum', index));
  });
  after.forEach((value, index) => {
    if (!beforeKeys.has(JSON.stringify(value))) findings.emit('enum-value-added', `enum value ${show(value)} was added`, at(head, 'enum', index));
  });
}

function comparePattern(b: Record<string, unknown>, h: Record<string, unknown>, base: Located, head: Located, findings: Findings): void {
  const before = b['pattern'];
  const after = h['pattern'];
  if (before === after) return;
  if (before === undefined) findings.emit('pattern-added', `pattern ${show(after)} was added`, at(head, 'pattern'));
  else if (after === undefined) findings.emit('pattern-removed', `pattern ${show(before)} was removed`, at(head), at(base, 'pattern'));
  else findings.emit('pattern-changed', `pattern changed from ${show(before)} to ${show(after)}`, at(head, 'pattern'), at(base, 'pattern'));
}

function compareBounds(b: Record<string, unknown>, h: Record<string, unknown>, base: Located, head: Located, findings: Findings): void {
  for (const { keyword, kind } of BOUNDS) {
    const before = typeof b[keyword] === 'number' ? (b[keyword] as number) : undefined;
    const after = typeof h[keyword] === 'number' ? (h[keyword] as number) : undefined;
    if (before === after) continue;
    if (before === undefined) findings.emit(`${kind}-set`, `${keyword} ${after} was set`, at(head, keyword));
    else if (after === undefined) findings.emit(`${kind}-unset`, `${keyword} ${before} was removed`, at(head), at(base, keyword));
    else {
      const direction = after < before ? 'decreased' : 'increased';
      findings.emit(`${kind}-${direction}`, `${keyword} ${direction} from ${before} to ${after}`, at(head, keyword), at(base, keyword));
    }
  }
}

function compareValueKeyword(keyword: string, kind: string, b: Record<string, unknown>, h: Record<string, unknown>, base: Located, head: Located, findings: Findings): void {
  const before = b[keyword];
  const after = h[keyword];
  if (before === undefined && after === undefined) return;
  if (before === undefined) findings.emit(`${kind}-added`, `${keyword} ${show(after)} was added`, at(head, keyword));
  else if (after === undefined) findings.emit(`${kind}-removed`, `${keyword} ${show(before)} was removed`, at(head), at(base, keyword));
  else if (JSON.stringify(before) !== JSON.stringify(after)) {
    findings.emit(`${kind}-changed`, `${keyword} changed from ${show(before)} to ${show(after)}`, at(head, keyword), at(base, keyword));
  }
}

/**
 * Property existence, requiredness and visibility. Only body schemas have catalogue ids
 * for these; readOnly properties are not sent in requests and writeOnly ones are not
 * returned in responses, so changes to them do not reach clients in that direction.
 */
class PropertyRules {
  constructor(
    private readonly scope: SchemaScope,
    private readonly findings: Findings,
    private readonly base: Located,
    private readonly head: Located,
    private readonly baseRequired: ReadonlySet<string>,
    private readonly headRequired: ReadonlySet<string>,
  ) {}

  private get applies(): boolean {
    return this.scope.subject === 'body';
  }

  /** True when the property is hidden in this direction on both sides. */
  isInvisible(baseSchema: unknown, headSchema: unknown): boolean {
    const flag = this.scope.direction === 'request' ? 'readOnly' : 'writeOnly';
    return isObject(baseSchema) && isObject(headSchema) && baseSchema[flag] === true && headSchema[flag] === true;
  }

  removed(name: string, baseProperty: Located): void {
    if (!this.applies) return;
    const required = this.baseRequired.has(name);
    const schema = isObject(baseProperty.value) ? baseProperty.value : {};
    const head = at(this.head, 'properties');
    const base = at(this.base, 'properties', name);
    if (this.scope.direction === 'request') {
      if (schema['readOnly'] !== true) this.findings.emitId('request-property-removed', `property ${name} was removed`, head, base);
      return;
    }
    const writeOnly = schema['writeOnly'] === true ? 'write-only-' : '';
    const id = `response-${required ? 'required' : 'optional'}-${writeOnly}property-removed`;
    this.findings.emitId(id, `${required ? 'required' : 'optional'} property ${name} was removed`, head, base);
  }

  added(name: string, headProperty: Located): void {
    if (!this.applies) return;
    const required = this.headRequired.has(name);
    const schema = isObject(headProperty.value) ? headProperty.value : {};
    const head = at(this.head, 'properties', name);
    if (this.scope.direction === 'request') {
      if (schema['readOnly'] === true) return;
      const id = required ? (schema['default'] !== undefined ? 'new-required-request-property-with-default' : 'new-required-request-property') : 'new-optional-request-property';
      this.findings.emitId(id, `${required ? 'required' : 'optional'} property ${name} was added`, head);
      return;
    }
    const writeOnly = schema['writeOnly'] === true ? 'write-only-' : '';
    this.findings.emitId(`response-${required ? 'required' : 'optional'}-${writeOnly}property-added`, `${required ? 'required' : 'optional'} property ${name} was added`, head);
  }

  changed(name: string, baseProperty: Located, headProperty: Located): void {
    if (!this.applies) return;
    this.compareRequiredness(name, headProperty);
    this.compareVisibility(name, baseProperty, headProperty);
  }

  private compareRequiredness(name: string, headProperty: Located): void {
    const was = this.baseRequired.has(name);
    const is = this.headRequired.has(name);
    if (was === is) return;
    const headSchema = isObject(headProperty.value) ? headProperty.value : {};
    const direction = this.scope.direction;
    if (direction === 'request' && headSchema['readOnly'] === true) return;
    if (direction === 'response' && headSchema['writeOnly'] === true) return;
    const required = Array.isArray((this.head.value as Record<string, unknown>)['required']) ? ((this.head.value as Record<string, unknown>)['required'] as unknown[]) : [];
    const headAt = is ? at(this.head, 'required', required.indexOf(name)) : at(this.head, 'properties', name);
    const baseAt = at(this.base, 'properties', name);
    const change = is ? 'became-required' : 'became-optional';
    const withDefault = direction === 'request' && is && headSchema['default'] !== undefined ? '-with-default' : '';
    this.findings.emitId(`${direction}-property-${change}${withDefault}`, `property ${name} ${is ? 'became required' : 'became optional'}`, headAt, baseAt);
  }

  private compareVisibility(name: string, baseProperty: Located, headProperty: Located): void {
    const before = isObject(baseProperty.value) ? baseProperty.value : {};
    const after = isObject(headProperty.value) ? headProperty.value : {};
    const requiredness = this.headRequired.has(name) ? 'required' : 'optional';
    for (const [flag, label] of [['readOnly', 'read-only'], ['writeOnly', 'write-only']] as const) {
      const was = before[flag] === true;
      const is = after[flag] === true;
      if (was === is) continue;
      const id = `${this.scope.direction}-${requiredness}-property-became-${is ? '' : 'not-'}${label}`;
      this.findings.emitId(id, `property ${name} ${is ? 'became' : 'is no longer'} ${flag}`, at(headProperty, flag), at(baseProperty, flag));
    }
  }
}
