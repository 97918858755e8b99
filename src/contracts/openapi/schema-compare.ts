// The one schema comparer. Request and response rules both use it; the direction decides
// which rule ids apply (the catalogue holds, for each id, whether it breaks clients: a
// request narrowing breaks senders, a response widening breaks readers).
//
// Schemas are compared by meaning: each side is first turned into its effective schema
// (effective.ts: allOf merged, one-branch anyOf/oneOf unwrapped), and the branches of
// oneOf/anyOf are paired by what they are (branches.ts), never by position.
//
// Schemas are compared lazily, following $refs as they are met. Results of a ref pair (or
// of a composed schema, keyed by its parts) are memoised per scope, so a component shared
// by hundreds of operations is compared once and recursive schemas stop at the pair
// already being compared.
import { essentialNode, pairBranches, memberLabel } from './branches.js';
import { at, show, type At } from './changes.js';
import { partsOf, SchemaView, type Branches, type Pick, type TypeInfo } from './effective.js';
import { compareKeywords, KEYWORD_KINDS, KEYWORD_NAMES } from './keywords.js';
import { formatRelation } from './formats.js';
import { ENGINE_RULE_IDS, RULES } from './rules.js';
import { STABILITY_LEVELS, stabilityOf, sunsetOf } from './context.js';
import { isObject, type Located, type SpecSet } from './refs.js';
import { SameSchemas } from './same-schemas.js';
import { checkNewDeprecation } from './sunset-policy.js';
import type { SunsetPolicy } from './types.js';

export type Direction = 'request' | 'response';

export interface Lifecycle { readonly now: Date; readonly sunsetPolicy: SunsetPolicy }
/** `header` is a response header; `header-parameter` a request header parameter. */
export type Subject = 'body' | 'parameter' | 'header-parameter' | 'header';

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
/** Nesting beyond this is not compared: reported as `schema-too-deep`, never skipped in silence. */
export const MAX_DEPTH = 100;

/**
 * Rule-id prefixes, the first tried first: the catalogue names root schemas and nested
 * properties differently, and has a few ids of its own for properties of header parameters.
 */
function idPrefixes(scope: SchemaScope, isRoot: boolean): readonly string[] {
  if (scope.direction === 'response') {
    if (scope.subject === 'header') return [isRoot ? 'response-header' : 'response-header-property'];
    return [isRoot ? 'response-body' : 'response-property'];
  }
  if (scope.subject === 'body') return [isRoot ? 'request-body' : 'request-property'];
  if (scope.subject === 'header-parameter' && !isRoot) return ['request-header-property', 'request-parameter-property'];
  return [isRoot ? 'request-parameter' : 'request-parameter-property'];
}

/**
 * Where the catalogue names a change differently from prefix-kind: the composed id, and the
 * catalogue's. (A response body's own enum is the "mediatype" enum.)
 */
const CATALOGUE_NAMES: Readonly<Record<string, string>> = {
  'response-body-enum-value-removed': 'response-mediatype-enum-value-removed',
};

/** The property ids of request header parameters (object-valued headers). */
const HEADER_PROPERTY_IDS = { addedRequired: 'new-required-request-header-property', becameRequired: 'request-header-property-became-required' } as const;

export const RENAMED_SCHEMA_IDS: readonly string[] = Object.values(CATALOGUE_NAMES);

/** Accumulates the changes of one schema pair under its rule-id prefix. */
class Findings {
  readonly list: SchemaChange[] = [];
  readonly prefix: string;

  constructor(readonly prefixes: readonly string[]) {
    this.prefix = prefixes[0]!;
  }

  /** Emits the first of `kinds` (then of the prefixes) whose id the catalogue knows. */
  emit(kinds: string | readonly string[], detail: string, head: At, base?: At): void {
    for (const kind of typeof kinds === 'string' ? [kinds] : kinds) {
      for (const prefix of this.prefixes) {
        const composed = `${prefix}-${kind}`;
        const id = CATALOGUE_NAMES[composed] ?? composed;
        if (RULES.has(id)) {
          this.emitId(id, detail, head, base);
          return;
        }
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
  { keyword: 'maxContains', kind: 'max-contains' },
  { keyword: 'minContains', kind: 'min-contains' },
];

const BRANCH_KINDS = { oneOf: 'one-of', anyOf: 'any-of' } as const;

/**
 * A readOnly property is not sent in requests and a writeOnly one is not returned: their
 * constraint changes do not reach clients in that direction, but the catalogue notes some
 * of them under their own ids (INFO). The rest are dropped.
 */
const HIDDEN_PROPERTY_IDS: Readonly<Record<string, string>> = {
  'request-property-enum-value-removed': 'request-read-only-property-enum-value-removed',
  'request-property-exclusive-max-decreased': 'request-read-only-property-exclusive-max-decreased',
  'request-property-exclusive-min-increased': 'request-read-only-property-exclusive-min-increased',
  'request-property-max-decreased': 'request-read-only-property-max-decreased',
  'request-property-max-length-decreased': 'request-read-only-property-max-length-decreased',
  'request-property-min-increased': 'request-read-only-property-min-increased',
  'response-property-enum-value-added': 'response-write-only-property-enum-value-added',
};

export const HIDDEN_PROPERTY_RULE_IDS: readonly string[] = Object.values(HIDDEN_PROPERTY_IDS);

const GROUP = { enum: 1, pattern: 2, extensibleEnum: 4, bounds: 8, default: 16, const: 32, keywords: 64 } as const;

const KEYWORD_GROUP: ReadonlyMap<string, number> = new Map<string, number>([
  ['enum', GROUP.enum],
  ['pattern', GROUP.pattern],
  ['x-extensible-enum', GROUP.extensibleEnum],
  ...BOUNDS.map(({ keyword }) => [keyword, GROUP.bounds] as [string, number]),
  ['default', GROUP.default],
  ['const', GROUP.const],
  ...KEYWORD_NAMES.map((keyword) => [keyword, GROUP.keywords] as [string, number]),
]);

function keywordGroups(value: Record<string, unknown>): number {
  let groups = 0;
  for (const key in value) groups |= KEYWORD_GROUP.get(key) ?? 0;
  return groups;
}

/** The rule-id prefixes the comparer reports under (see idPrefix). */
export const SCHEMA_PREFIXES: readonly string[] = [
  'request-body', 'request-property', 'request-parameter', 'request-parameter-property', 'request-header-property',
  'response-body', 'response-property', 'response-header', 'response-header-property',
];

/** Every kind the comparer emits (`Findings.emit`); an id exists where the catalogue has prefix-kind. */
export const SCHEMA_KINDS: readonly string[] = [
  'type-changed', 'type-generalized', 'type-specialized', 'type-compatible', 'list-of-types-narrowed', 'list-of-types-widened',
  'became-nullable', 'became-not-nullable', 'became-enum', 'enum-value-removed', 'enum-value-added',
  'pattern-added', 'pattern-removed', 'pattern-changed', 'pattern-generalized', 'x-extensible-enum-value-removed',
  ...BOUNDS.flatMap(({ kind }) => ['set', 'unset', 'decreased', 'increased'].map((change) => `${kind}-${change}`)),
  'default-value-added', 'default-value-removed', 'default-value-changed', 'const-added', 'const-removed', 'const-changed',
  'one-of-added', 'one-of-removed', 'any-of-added', 'any-of-removed',
  'all-of-added', 'all-of-removed', 'all-of-added-annotation-only', 'all-of-removed-annotation-only', 'wrapped-in-one-of',
  ...KEYWORD_KINDS,
];

/** The property ids PropertyRules composes, as far as the catalogue has them. */
export const SCHEMA_PROPERTY_IDS: readonly string[] = (() => {
  const ids = ['request-property-removed', 'new-required-request-property', 'new-required-request-property-with-default', 'new-optional-request-property'];
  for (const direction of ['request', 'response']) {
    for (const required of ['required', 'optional']) {
      for (const writeOnly of ['', 'write-only-']) ids.push(`response-${required}-${writeOnly}property-removed`, `response-${required}-${writeOnly}property-added`);
      for (const flag of ['read-only', 'write-only']) ids.push(`${direction}-${required}-property-became-${flag}`, `${direction}-${required}-property-became-not-${flag}`);
    }
    ids.push(`${direction}-property-became-required`, `${direction}-property-became-optional`, `${direction}-property-became-required-with-default`);
    ids.push(`${direction}-property-stability-decreased`, `${direction}-property-stability-increased`);
    ids.push(`${direction}-property-deprecated`, `${direction}-property-deprecated-with-sunset`, `${direction}-property-deprecated-sunset-invalid`, `${direction}-property-reactivated`);
  }
  ids.push('response-write-only-property-became-required', 'response-write-only-property-became-optional', ...HIDDEN_PROPERTY_RULE_IDS);
  ids.push(...Object.values(HEADER_PROPERTY_IDS));
  return [...new Set(ids)].filter((id) => RULES.has(id));
})();

type Nodes = readonly Located[];

function asList(node: Located | Nodes): Nodes {
  return Array.isArray(node) ? node : [node as Located];
}

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
  private readonly same: SameSchemas;

  constructor(
    private readonly base: SpecSet,
    private readonly head: SpecSet,
    /** For the deprecation policy of properties: "now" and the minimum notice. */
    private readonly lifecycle: Lifecycle = { now: new Date(0), sunsetPolicy: {} },
  ) {
    this.same = new SameSchemas(base, head);
  }

  /**
   * Compares two schemas (either may be a $ref) under a scope; `isRoot` = body/parameter root.
   * A list stands for the conjunction of its schemas (a property declared in several allOf members).
   */
  compare(baseSchema: Located | Nodes, headSchema: Located | Nodes, scope: SchemaScope, isRoot: boolean, prepared?: readonly [SchemaView, SchemaView]): readonly SchemaChange[] {
    this.calls++;
    try {
      return this.compareOnce(asList(baseSchema), asList(headSchema), scope, isRoot, prepared);
    } finally {
      if (--this.calls === 0) {
        this.promotePartials();
        this.partial.clear();
        this.started.clear();
        this.cuts = undefined;
      }
    }
  }

  private compareOnce(baseNodes: Nodes, headNodes: Nodes, scope: SchemaScope, isRoot: boolean, prepared?: readonly [SchemaView, SchemaView]): readonly SchemaChange[] {
    const baseParts = prepared ? prepared[0].parts : partsOf(this.base, baseNodes);
    const headParts = prepared ? prepared[1].parts : partsOf(this.head, headNodes);
    if (baseParts.length === 0 || headParts.length === 0) return NO_CHANGES;
    // A plain inline schema is compared where it stands; anything reached through a $ref or
    // merged from several parts is keyed by its parts, so it is compared once.
    const keyed = baseParts.length > 1 || headParts.length > 1 || baseParts[0] !== baseNodes[0] || headParts[0] !== headNodes[0];
    if ((keyed || isRoot) && this.isUnchanged(baseParts, headParts)) return NO_CHANGES;
    if (!keyed) return this.compareGuarded(baseNodes, headNodes, baseParts, headParts, scope, isRoot, prepared);

    const key = `${scope.direction}|${scope.subject}|${isRoot}|${identities(baseParts)}|${identities(headParts)}`;
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
      const result = this.compareGuarded(baseNodes, headNodes, baseParts, headParts, scope, isRoot, prepared);
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
   * The same schema on both sides, as far as it reaches (same-schemas.ts): comparing it would
   * find nothing. Skipped only when its nesting, counted twice (a root schema may meet itself
   * once more as a nested one), stays under the depth limit, so no `schema-too-deep` is lost.
   * Not memoised: the next meeting may be deeper.
   */
  private isUnchanged(baseParts: Nodes, headParts: Nodes): boolean {
    if (baseParts.length !== 1 || headParts.length !== 1) return false;
    const nesting = this.same.nestingIfSame(baseParts[0]!, headParts[0]!);
    return nesting !== undefined && this.depth + 2 * nesting < MAX_DEPTH;
  }

  /**
   * A partial result lost nothing when every pair cut below it turned out to have no changes
   * at all: it is complete. Cut pairs are outer frames, which finish (and are recorded) after
   * the inner ones: walking the partials newest first settles most in one pass.
   */
  private promotePartials(): void {
    if (this.partial.size === 0) return;
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

  private compareGuarded(baseNodes: Nodes, headNodes: Nodes, baseParts: Nodes, headParts: Nodes, scope: SchemaScope, isRoot: boolean, prepared?: readonly [SchemaView, SchemaView]): readonly SchemaChange[] {
    const findings = new Findings(idPrefixes(scope, isRoot));
    if (this.depth >= MAX_DEPTH) {
      findings.emitId(
        ENGINE_RULE_IDS.schemaTooDeep,
        `the schema nests deeper than ${MAX_DEPTH} levels; what lies below this point was not compared; review it by hand`,
        at(headParts[0]!),
        at(baseParts[0]!),
      );
      return findings.list;
    }
    this.depth++;
    try {
      let baseView = prepared?.[0] ?? new SchemaView(baseParts[0]!, baseParts);
      let headView = prepared?.[1] ?? new SchemaView(headParts[0]!, headParts);
      [baseView, headView] = this.unwrapBranches(baseNodes, headNodes, baseView, headView, findings);
      this.compareViews(baseView, headView, scope, findings);
      this.compareAllOfMembers(baseNodes, headNodes, baseView, headView, findings);
      return findings.list.length === 0 ? NO_CHANGES : shortestPerElement(findings.list);
    } finally {
      this.depth--;
    }
  }

  private compareViews(base: SchemaView, head: SchemaView, scope: SchemaScope, findings: Findings): void {
    compareType(base, head, scope, findings);
    // Most schemas carry few keywords: look at the ones written rather than probe for each rule's.
    const present = keywordGroups(base.value) | keywordGroups(head.value);
    if (present & GROUP.enum) compareEnum(base, head, findings);
    if (present & GROUP.pattern) comparePattern(base, head, findings);
    if (present & GROUP.extensibleEnum) compareExtensibleEnum(base, head, findings);
    if (present & GROUP.bounds) compareBounds(base, head, findings);
    if (present & GROUP.default) compareValueKeyword('default', 'default-value', base, head, findings);
    if (present & GROUP.const) compareValueKeyword('const', 'const', base, head, findings);
    if (present & GROUP.keywords) compareKeywords(base, head, findings);
    this.compareBranches(base, head, scope, findings);
    if (base.items.length > 0 && head.items.length > 0) findings.addNested(this.compare(base.items, head.items, scope, false), '[]');
    // Map values (`additionalProperties: {schema}`) are compared like properties named `*`.
    if (base.additionalProperties.length > 0 && head.additionalProperties.length > 0) {
      findings.addNested(this.compare(base.additionalProperties, head.additionalProperties, scope, false), '*');
    }
    this.compareProperties(base, head, scope, findings);
  }

  /**
   * A schema wrapped in a oneOf/anyOf (`X` -> `oneOf: [X, Y]`) is still X plus new branches,
   * not X removed: the side without branches is compared with its matching branch, and the
   * other branches are reported as added (or, unwrapping, removed). A body gets the
   * catalogue's `wrapped-in-one-of` rule.
   */
  private unwrapBranches(baseNodes: Nodes, headNodes: Nodes, baseView: SchemaView, headView: SchemaView, findings: Findings): [SchemaView, SchemaView] {
    if (baseView.branches.length === 0 && headView.branches.length > 0) {
      const wrap = this.matchWhole(this.base, baseNodes, this.head, headView);
      if (wrap) {
        const view = new SchemaView(headView.node, partsOf(this.head, headNodes, wrap.pick), wrap.pick);
        const others = wrap.branches.members.filter((_, index) => index !== wrap.pick.index);
        const kind = BRANCH_KINDS[wrap.pick.keyword];
        const label = memberLabel(this.head, wrap.branches.members[wrap.pick.index]!, wrap.pick.index);
        const wrappedId = `${findings.prefix}-wrapped-in-one-of`;
        if (kind === 'one-of' && RULES.has(wrappedId)) {
          findings.emitId(wrappedId, `the schema was wrapped in a oneOf (as branch ${label}, beside ${others.length} other${others.length === 1 ? '' : 's'})`, at(wrap.branches.owner, wrap.pick.keyword), at(baseView.node));
        } else {
          wrap.branches.members.forEach((member, index) => {
            if (index !== wrap.pick.index) findings.emit(`${kind}-added`, `the schema was wrapped in ${wrap.pick.keyword}; branch ${memberLabel(this.head, member, index)} was added`, at(member), at(baseView.node));
          });
        }
        return [baseView, view];
      }
    }
    if (headView.branches.length === 0 && baseView.branches.length > 0) {
      const unwrap = this.matchWhole(this.head, headNodes, this.base, baseView);
      if (unwrap) {
        const view = new SchemaView(baseView.node, partsOf(this.base, baseNodes, unwrap.pick), unwrap.pick);
        const kind = BRANCH_KINDS[unwrap.pick.keyword];
        unwrap.branches.members.forEach((member, index) => {
          if (index !== unwrap.pick.index) findings.emit(`${kind}-removed`, `the ${unwrap.pick.keyword} was unwrapped; branch ${memberLabel(this.base, member, index)} was removed`, whereWritten(headView.node, unwrap.pick.keyword), at(member));
        });
        return [view, headView];
      }
    }
    return [baseView, headView];
  }

  /** The branch of `view`'s own oneOf/anyOf that is the whole schema on the other side. */
  private matchWhole(wholeSet: SpecSet, whole: Nodes, branchSet: SpecSet, view: SchemaView): { pick: Pick; branches: Branches } | undefined {
    if (whole.length !== 1) return undefined;
    const essence = essentialNode(wholeSet, whole[0]!);
    for (const branches of view.branches) {
      if (branches.owner !== view.node) continue;
      const pairing = pairBranches(wholeSet, [essence], branchSet, branches.members);
      const pair = pairing.pairs[0];
      if (pair) return { pick: { keyword: branches.keyword, index: pair[1] }, branches };
    }
    return undefined;
  }

  /** oneOf/anyOf branches, paired by reference, title, discriminator value or content. */
  private compareBranches(base: SchemaView, head: SchemaView, scope: SchemaScope, findings: Findings): void {
    for (const keyword of ['oneOf', 'anyOf'] as const) {
      const baseGroups = base.branches.filter((group) => group.keyword === keyword);
      const headGroups = head.branches.filter((group) => group.keyword === keyword);
      const kind = BRANCH_KINDS[keyword];
      for (let index = 0; index < Math.max(baseGroups.length, headGroups.length); index++) {
        const baseGroup = baseGroups[index];
        const headGroup = headGroups[index];
        const baseMembers = baseGroup?.members ?? [];
        const headMembers = headGroup?.members ?? [];
        const discriminator = discriminatorProperty(head.value) ?? discriminatorProperty(base.value);
        const pairing = pairBranches(this.base, baseMembers, this.head, headMembers, discriminator);
        for (const [b, h] of pairing.pairs) findings.addNested(this.compare(baseMembers[b]!, headMembers[h]!, scope, false), undefined);
        for (const b of pairing.removed) {
          findings.emit(`${kind}-removed`, `${keyword} branch ${memberLabel(this.base, baseMembers[b]!, b)} was removed`, headGroup ? at(headGroup.owner, keyword) : at(head.node), at(baseMembers[b]!));
        }
        for (const h of pairing.added) {
          findings.emit(`${kind}-added`, `${keyword} branch ${memberLabel(this.head, headMembers[h]!, h)} was added`, at(headMembers[h]!));
        }
      }
    }
  }

  /**
   * allOf members added or removed. Their meaning is already compared through the merged
   * schema; when that found nothing, the rewrite changed how the schema is written, not what
   * it accepts, and is reported as annotation-only (INFO).
   */
  private compareAllOfMembers(baseNodes: Nodes, headNodes: Nodes, base: SchemaView, head: SchemaView, findings: Findings): void {
    if (base.allOf.length === 0 && head.allOf.length === 0) return;
    // `X` -> `allOf: [X, Y]`: X was there before, only Y is new.
    const baseMembers = base.allOf.length === 0 && baseNodes.length === 1 ? [essentialNode(this.base, baseNodes[0]!)] : base.allOf;
    const headMembers = head.allOf.length === 0 && headNodes.length === 1 ? [essentialNode(this.head, headNodes[0]!)] : head.allOf;
    const pairing = pairBranches(this.base, baseMembers, this.head, headMembers);
    if (pairing.removed.length === 0 && pairing.added.length === 0) return;
    const unchanged = findings.list.length === 0;
    const suffix = unchanged ? '-annotation-only' : '';
    const why = unchanged ? '; the merged schema is unchanged' : '';
    for (const b of pairing.removed) {
      const member = baseMembers[b]!;
      findings.emit(`all-of-removed${suffix}`, `allOf member ${memberLabel(this.base, member, b)} was removed${why}`, whereWritten(head.node, 'allOf'), at(member));
    }
    for (const h of pairing.added) {
      const member = headMembers[h]!;
      findings.emit(`all-of-added${suffix}`, `allOf member ${memberLabel(this.head, member, h)} was added${why}`, at(member));
    }
  }

  private compareProperties(base: SchemaView, head: SchemaView, scope: SchemaScope, findings: Findings): void {
    if (base.properties.size === 0 && head.properties.size === 0) return;
    const properties = new PropertyRules(scope, findings, base, head, this.lifecycle);
    for (const [name, baseNodes] of base.properties) {
      const baseProperty = this.propertyView(this.base, baseNodes);
      const headNodes = head.properties.get(name);
      if (!headNodes) {
        if (baseProperty) properties.removed(name, baseProperty);
        continue;
      }
      const headProperty = this.propertyView(this.head, headNodes);
      if (!baseProperty || !headProperty) continue;
      properties.changed(name, baseProperty, headProperty);
      const nested = this.compare(baseNodes, headNodes, scope, false, [baseProperty, headProperty]);
      if (!properties.isInvisible(baseProperty.value, headProperty.value)) findings.addNested(nested, name);
      else findings.addNested(hiddenPropertyChanges(nested, scope.direction), name);
    }
    for (const [name, headNodes] of head.properties) {
      if (base.properties.has(name)) continue;
      const headProperty = this.propertyView(this.head, headNodes);
      if (headProperty) properties.added(name, headProperty);
    }
  }

  private propertyView(set: SpecSet, nodes: Nodes): SchemaView | undefined {
    const parts = partsOf(set, nodes);
    return parts.length === 0 ? undefined : new SchemaView(parts[0]!, parts);
  }
}

function hiddenPropertyChanges(changes: readonly SchemaChange[], direction: Direction): SchemaChange[] {
  const kept: SchemaChange[] = [];
  for (const change of changes) {
    const id = change.propertyPath.length === 0 ? HIDDEN_PROPERTY_IDS[change.id] : undefined;
    if (id && id.startsWith(direction)) kept.push({ ...change, id });
  }
  return kept;
}

/** The keyword of a schema when it is written there, else the schema. */
function whereWritten(node: Located, keyword: string): At {
  return isObject(node.value) && node.value[keyword] !== undefined ? at(node, keyword) : at(node);
}

function identities(parts: Nodes): string {
  return parts.map((part) => `${part.doc.file}${part.pointer.toString()}`).join('&');
}

function discriminatorProperty(value: Record<string, unknown>): string | undefined {
  const discriminator = value['discriminator'];
  return isObject(discriminator) && typeof discriminator['propertyName'] === 'string' ? discriminator['propertyName'] : undefined;
}

function compareType(base: SchemaView, head: SchemaView, scope: SchemaScope, findings: Findings): void {
  const before: TypeInfo = base.type;
  const after: TypeInfo = head.type;
  const typeAt = head.typeAt();
  const b = base.value;
  const h = head.value;
  if (!sameSet(before.types, after.types)) {
    const detail = `type changed from ${describeTypes(before.types)} to ${describeTypes(after.types)}`;
    findings.emit(typeChangeKinds(before.types, after.types, scope.direction), detail, typeAt, base.typeAt());
  } else if (b['format'] !== h['format'] && formatChangeMatters(b['format'], h['format'], scope.direction)) {
    const detail = `format changed from ${b['format'] === undefined ? 'none' : show(b['format'])} to ${h['format'] === undefined ? 'none' : show(h['format'])}`;
    const relation = b['format'] !== undefined && h['format'] !== undefined ? formatRelation(b['format'], h['format']) : 'unrelated';
    const compatible = relation === (scope.direction === 'request' ? 'wider' : 'narrower');
    // Parameters have no "compatible" id: a widened request is generalized, a narrowed response specialized.
    const kinds = compatible ? ['type-compatible', scope.direction === 'request' ? 'type-generalized' : 'type-specialized'] : ['type-changed'];
    const why = compatible ? `; every value of the old format is a value of the new one${scope.direction === 'request' ? ', so existing requests are still accepted' : ', so existing clients still read it'}` : '';
    findings.emit(kinds, detail + why, h['format'] !== undefined ? head.at('format') : typeAt, base.at('format'));
  }
  if (!before.nullable && after.nullable) findings.emit('became-nullable', 'became nullable', typeAt, base.typeAt());
  if (before.nullable && !after.nullable) findings.emit('became-not-nullable', 'is no longer nullable', typeAt, base.typeAt());
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

function compareEnum(base: SchemaView, head: SchemaView, findings: Findings): void {
  const before = Array.isArray(base.value['enum']) ? (base.value['enum'] as unknown[]) : undefined;
  const after = Array.isArray(head.value['enum']) ? (head.value['enum'] as unknown[]) : undefined;
  if (!after) return;
  if (!before) {
    findings.emit('became-enum', `became an enum of ${after.map(show).join(', ')}`, head.at('enum'));
    return;
  }
  const beforeKeys = new Set(before.map((value) => JSON.stringify(value)));
  const afterKeys = new Set(after.map((value) => JSON.stringify(value)));
  const baseWritten = enumIndex(base);
  before.forEach((value) => {
    if (!afterKeys.has(JSON.stringify(value))) findings.emit('enum-value-removed', `enum value ${show(value)} was removed`, head.at('enum'), base.at('enum', baseWritten(value)));
  });
  const headWritten = enumIndex(head);
  after.forEach((value) => {
    if (!beforeKeys.has(JSON.stringify(value))) findings.emit('enum-value-added', `enum value ${show(value)} was added`, head.at('enum', headWritten(value)));
  });
}

/** Index of a value in the enum array as written (merged enums may have dropped values). */
function enumIndex(view: SchemaView): (value: unknown) => number {
  const written = view.at('enum');
  const list = readAt(written);
  const keys = Array.isArray(list) ? list.map((item) => JSON.stringify(item)) : [];
  return (value) => Math.max(0, keys.indexOf(JSON.stringify(value)));
}

function readAt(place: At): unknown {
  let value: unknown = place.doc.root;
  for (const key of place.pointer.segments()) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** `x-extensible-enum`: values clients may send; one removed is rejected again. */
function compareExtensibleEnum(base: SchemaView, head: SchemaView, findings: Findings): void {
  const before = base.value['x-extensible-enum'];
  const after = head.value['x-extensible-enum'];
  if (!Array.isArray(before)) return;
  const kept = new Set((Array.isArray(after) ? after : []).map((value) => JSON.stringify(value)));
  before.forEach((value, index) => {
    if (!kept.has(JSON.stringify(value))) {
      findings.emit('x-extensible-enum-value-removed', `x-extensible-enum value ${show(value)} was removed`, head.at('x-extensible-enum'), base.at('x-extensible-enum', index));
    }
  });
}

/** A pattern that accepts anything (`.*`) generalises rather than changes. */
const ANYTHING = new Set(['.*', '^.*$', '^.*', '.*$', '[\\s\\S]*']);

function comparePattern(base: SchemaView, head: SchemaView, findings: Findings): void {
  const before = base.value['pattern'];
  const after = head.value['pattern'];
  if (before === after) return;
  if (before === undefined) findings.emit('pattern-added', `pattern ${show(after)} was added`, head.at('pattern'));
  else if (after === undefined) findings.emit('pattern-removed', `pattern ${show(before)} was removed`, at(head.node), base.at('pattern'));
  else {
    const kinds = typeof after === 'string' && ANYTHING.has(after) ? ['pattern-generalized', 'pattern-changed'] : ['pattern-changed'];
    findings.emit(kinds, `pattern changed from ${show(before)} to ${show(after)}`, head.at('pattern'), base.at('pattern'));
  }
}

function compareBounds(base: SchemaView, head: SchemaView, findings: Findings): void {
  for (const { keyword, kind } of BOUNDS) {
    const before = typeof base.value[keyword] === 'number' ? (base.value[keyword] as number) : undefined;
    const after = typeof head.value[keyword] === 'number' ? (head.value[keyword] as number) : undefined;
    if (before === after) continue;
    if (before === undefined) findings.emit(`${kind}-set`, `${keyword} ${after} was set`, head.at(keyword));
    else if (after === undefined) findings.emit(`${kind}-unset`, `${keyword} ${before} was removed`, at(head.node), base.at(keyword));
    else {
      const direction = after < before ? 'decreased' : 'increased';
      findings.emit(`${kind}-${direction}`, `${keyword} ${direction} from ${before} to ${after}`, head.at(keyword), base.at(keyword));
    }
  }
}

function compareValueKeyword(keyword: string, kind: string, base: SchemaView, head: SchemaView, findings: Findings): void {
  const before = base.value[keyword];
  const after = head.value[keyword];
  if (before === undefined && after === undefined) return;
  if (before === undefined) findings.emit(`${kind}-added`, `${keyword} ${show(after)} was added`, head.at(keyword));
  else if (after === undefined) findings.emit(`${kind}-removed`, `${keyword} ${show(before)} was removed`, at(head.node), base.at(keyword));
  else if (JSON.stringify(before) !== JSON.stringify(after)) {
    findings.emit(`${kind}-changed`, `${keyword} changed from ${show(before)} to ${show(after)}`, head.at(keyword), base.at(keyword));
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
    private readonly base: SchemaView,
    private readonly head: SchemaView,
    private readonly lifecycle: Lifecycle,
  ) {}

  private get applies(): boolean {
    return this.scope.subject === 'body';
  }

  /** A request header parameter whose schema is an object: the catalogue has two ids for its properties. */
  private get isHeaderParameter(): boolean {
    return this.scope.subject === 'header-parameter';
  }

  /** True when the property is hidden in this direction on both sides. */
  isInvisible(baseSchema: Record<string, unknown>, headSchema: Record<string, unknown>): boolean {
    const flag = this.scope.direction === 'request' ? 'readOnly' : 'writeOnly';
    return baseSchema[flag] === true && headSchema[flag] === true;
  }

  removed(name: string, baseProperty: SchemaView): void {
    if (!this.applies) return;
    const required = this.base.required.has(name);
    const schema = baseProperty.value;
    const head = this.head.propertiesAt();
    const base = this.base.propertyAt(name) ?? at(this.base.node);
    if (this.scope.direction === 'request') {
      if (schema['readOnly'] !== true) this.findings.emitId('request-property-removed', `property ${name} was removed`, head, base);
      return;
    }
    const writeOnly = schema['writeOnly'] === true ? 'write-only-' : '';
    const id = `response-${required ? 'required' : 'optional'}-${writeOnly}property-removed`;
    this.findings.emitId(id, `${required ? 'required' : 'optional'} property ${name} was removed`, head, base);
  }

  added(name: string, headProperty: SchemaView): void {
    if (this.isHeaderParameter && this.head.required.has(name)) {
      const head = this.head.propertyAt(name) ?? at(this.head.node);
      this.findings.emitId(HEADER_PROPERTY_IDS.addedRequired, `required property ${name} was added to the header value; existing clients do not send it`, head);
    }
    if (!this.applies) return;
    const required = this.head.required.has(name);
    const schema = headProperty.value;
    const head = this.head.propertyAt(name) ?? at(this.head.node);
    if (this.scope.direction === 'request') {
      if (schema['readOnly'] === true) return;
      const id = required ? (schema['default'] !== undefined ? 'new-required-request-property-with-default' : 'new-required-request-property') : 'new-optional-request-property';
      this.findings.emitId(id, `${required ? 'required' : 'optional'} property ${name} was added`, head);
      return;
    }
    const writeOnly = schema['writeOnly'] === true ? 'write-only-' : '';
    this.findings.emitId(`response-${required ? 'required' : 'optional'}-${writeOnly}property-added`, `${required ? 'required' : 'optional'} property ${name} was added`, head);
  }

  changed(name: string, baseProperty: SchemaView, headProperty: SchemaView): void {
    if (this.isHeaderParameter && !this.base.required.has(name) && this.head.required.has(name)) {
      const head = this.head.required.get(name) ?? this.head.propertyAt(name) ?? at(this.head.node);
      this.findings.emitId(HEADER_PROPERTY_IDS.becameRequired, `property ${name} of the header value became required; existing clients may not send it`, head, this.base.propertyAt(name) ?? at(this.base.node));
    }
    if (!this.applies) return;
    this.compareRequiredness(name, headProperty);
    this.compareVisibility(name, baseProperty, headProperty);
    this.compareDeprecation(name, baseProperty, headProperty);
  }

  /** A property deprecated (with or without a sunset date), or no longer deprecated. */
  private compareDeprecation(name: string, baseProperty: SchemaView, headProperty: SchemaView): void {
    const was = baseProperty.value['deprecated'] === true;
    const is = headProperty.value['deprecated'] === true;
    const direction = this.scope.direction;
    if (is) {
      const sunset = sunsetOf(headProperty.value);
      if (sunset === null) {
        this.findings.emitId(`${direction}-property-deprecated-sunset-invalid`, `property ${name}: its x-sunset date cannot be parsed`, headProperty.at('x-sunset'), baseProperty.at('deprecated'));
      }
      const violation = was ? undefined : checkNewDeprecation(`${direction}-property`, headProperty.value, this.lifecycle.now, this.lifecycle.sunsetPolicy);
      if (violation) {
        this.findings.emitId(violation.id, `property ${name} ${violation.detail}`, headProperty.at(violation.key), baseProperty.at('deprecated'));
      } else if (!was) {
        const id = sunset ? `${direction}-property-deprecated-with-sunset` : `${direction}-property-deprecated`;
        const detail = sunset ? `property ${name} was deprecated with sunset ${sunset.toISOString().slice(0, 10)}` : `property ${name} was deprecated`;
        this.findings.emitId(id, detail, headProperty.at('deprecated'), baseProperty.at('deprecated'));
      }
    } else if (was) {
      this.findings.emitId(`${direction}-property-reactivated`, `property ${name} is no longer deprecated`, headProperty.at('deprecated'), baseProperty.at('deprecated'));
    }
    const before = stabilityOf(baseProperty.value);
    const after = stabilityOf(headProperty.value);
    if (before !== undefined && after !== undefined && before >= 0 && after >= 0 && before !== after) {
      const id = `${direction}-property-stability-${after < before ? 'decreased' : 'increased'}`;
      this.findings.emitId(id, `property ${name}: x-stability-level changed from ${STABILITY_LEVELS[before]} to ${STABILITY_LEVELS[after]}`, headProperty.at('x-stability-level'), baseProperty.at('x-stability-level'));
    }
  }

  private compareRequiredness(name: string, headProperty: SchemaView): void {
    const was = this.base.required.has(name);
    const is = this.head.required.has(name);
    if (was === is) return;
    const headSchema = headProperty.value;
    const direction = this.scope.direction;
    if (direction === 'request' && headSchema['readOnly'] === true) return;
    if (direction === 'response' && headSchema['writeOnly'] === true) {
      // Not returned to clients: noted, not breaking.
      const id = `response-write-only-property-became-${is ? 'required' : 'optional'}`;
      const headAt = (is ? this.head.required.get(name) : this.head.propertyAt(name)) ?? at(this.head.node);
      this.findings.emitId(id, `write-only property ${name} ${is ? 'became required' : 'became optional'}`, headAt, this.base.propertyAt(name) ?? at(this.base.node));
      return;
    }
    const headAt = (is ? this.head.required.get(name) : this.head.propertyAt(name)) ?? at(this.head.node);
    const baseAt = this.base.propertyAt(name) ?? at(this.base.node);
    const change = is ? 'became-required' : 'became-optional';
    const withDefault = direction === 'request' && is && headSchema['default'] !== undefined ? '-with-default' : '';
    this.findings.emitId(`${direction}-property-${change}${withDefault}`, `property ${name} ${is ? 'became required' : 'became optional'}`, headAt, baseAt);
  }

  private compareVisibility(name: string, baseProperty: SchemaView, headProperty: SchemaView): void {
    const before = baseProperty.value;
    const after = headProperty.value;
    const requiredness = this.head.required.has(name) ? 'required' : 'optional';
    for (const [flag, label] of [['readOnly', 'read-only'], ['writeOnly', 'write-only']] as const) {
      const was = before[flag] === true;
      const is = after[flag] === true;
      if (was === is) continue;
      const id = `${this.scope.direction}-${requiredness}-property-became-${is ? '' : 'not-'}${label}`;
      this.findings.emitId(id, `property ${name} ${is ? 'became' : 'is no longer'} ${flag}`, headProperty.at(flag), baseProperty.at(flag));
    }
  }
}
