// Schemas that are the same on both sides: written at the same place in the main spec, with
// the same content, and every schema they reach through $refs likewise. Comparing such a
// pair finds nothing, so the schema comparer skips it: between two versions of one spec
// most components are untouched (all of them, for an edit that only removes operations),
// and walking them in step once is far cheaper than comparing them keyword by keyword.
//
// "Finds nothing" must hold exactly, so a schema is not counted as the same when the
// comparer could report something about it even unchanged:
// - a keyword the comparer compares by identity holding an object (format, pattern,
//   contentEncoding, contentMediaType, a discriminator's propertyName or mapping values):
//   two equal objects are still two objects;
// - an x-sunset that does not parse (reported on a deprecated property as it stands);
// - nesting that could reach the comparer's depth limit (`schema-too-deep`): the caller
//   gets a bound on the nesting and skips only when it stays under the limit;
// - a $ref that is not a local one into the main spec, or does not resolve (comparing
//   it reports the error as before).
// $refs are followed through a strongly-connected-components walk (Tarjan), so recursive
// schemas get one verdict for their whole cycle.
import { isObject, type Located, type SpecSet } from './refs.js';
import { Pointer } from './pointer.js';
import { sunsetOf } from './context.js';

/** Keys whose value is data (not a schema): no $ref is followed and no keyword read in it. */
const DATA_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const']);
/** Keys whose value maps names to schemas: its keys are names, not keywords. */
const MAP_KEYS = new Set(['properties', 'patternProperties', 'dependentSchemas', '$defs', 'definitions']);
/** Keywords the comparer compares with `!==`: an object there differs from itself on the other side. */
const IDENTITY_KEYWORDS = ['format', 'pattern', 'contentEncoding', 'contentMediaType'] as const;

const DIFFERENT = -1;

interface Edge { readonly key: string; readonly base: Located; readonly head: Located }
interface Local { readonly same: boolean; readonly height: number; readonly edges: readonly Edge[] }
interface Verdict { readonly same: boolean; readonly height: number }
interface Visit { readonly index: number; low: number; onStack: boolean; readonly local: Local }

const NOT_SAME: Local = { same: false, height: 0, edges: [] };

export class SameSchemas {
  private readonly verdicts = new Map<string, Verdict>();
  private readonly visits = new Map<string, Visit>();
  private readonly stack: string[] = [];
  private counter = 0;

  constructor(
    private readonly base: SpecSet,
    private readonly head: SpecSet,
  ) {}

  /**
   * When the two schemas are the same (see above), a bound on how deep comparing them would
   * nest; otherwise undefined.
   */
  nestingIfSame(base: Located, head: Located): number | undefined {
    if (base.doc !== this.base.main || head.doc !== this.head.main) return undefined;
    const key = base.pointer.toString();
    if (key !== head.pointer.toString()) return undefined;
    const verdict = this.verdicts.get(key) ?? (this.connect(key, base, head), this.verdicts.get(key)!);
    return verdict.same ? verdict.height : undefined;
  }

  /** Tarjan's strongly connected components, visiting the schemas a pair reaches through $refs. */
  private connect(key: string, base: Located, head: Located): Visit {
    const visit: Visit = { index: this.counter, low: this.counter, onStack: true, local: this.local(base, head) };
    this.counter++;
    this.visits.set(key, visit);
    this.stack.push(key);
    for (const edge of visit.local.edges) {
      if (this.verdicts.has(edge.key)) continue;
      const known = this.visits.get(edge.key);
      if (!known) visit.low = Math.min(visit.low, this.connect(edge.key, edge.base, edge.head).low);
      else if (known.onStack) visit.low = Math.min(visit.low, known.index);
    }
    if (visit.low === visit.index) this.settle(key);
    return visit;
  }

  /** One verdict for a whole component: the same when all its members and all they reach are. */
  private settle(root: string): void {
    const members = new Set<string>();
    for (let key = this.stack.pop()!; ; key = this.stack.pop()!) {
      members.add(key);
      this.visits.get(key)!.onStack = false;
      if (key === root) break;
    }
    let same = true;
    let height = 0;
    let below = 0;
    for (const key of members) {
      const { local } = this.visits.get(key)!;
      same &&= local.same;
      height += local.height;
      for (const edge of local.edges) {
        if (members.has(edge.key)) continue;
        const verdict = this.verdicts.get(edge.key)!;
        same &&= verdict.same;
        below = Math.max(below, verdict.height);
      }
    }
    const verdict: Verdict = { same, height: height + below };
    for (const key of members) {
      this.verdicts.set(key, verdict);
      this.visits.delete(key);
    }
  }

  /** The pair compared in step, without following $refs: the same, its height, and the refs it holds. */
  private local(base: Located, head: Located): Local {
    const refs = new Set<string>();
    const height = walk(base.value, head.value, false, false, refs);
    if (height === DIFFERENT) return NOT_SAME;
    const edges: Edge[] = [];
    for (const ref of refs) {
      if (!ref.startsWith('#')) return NOT_SAME;
      let baseTarget: Located;
      let headTarget: Located;
      try {
        baseTarget = this.base.resolve({ doc: base.doc, pointer: Pointer.root, value: { $ref: ref } });
        headTarget = this.head.resolve({ doc: head.doc, pointer: Pointer.root, value: { $ref: ref } });
      } catch {
        return NOT_SAME;
      }
      if (baseTarget.doc !== this.base.main || headTarget.doc !== this.head.main) return NOT_SAME;
      const key = baseTarget.pointer.toString();
      if (key !== headTarget.pointer.toString()) return NOT_SAME;
      edges.push({ key, base: baseTarget, head: headTarget });
    }
    return { same: true, height, edges };
  }
}

/**
 * Walks two values in step: their height (objects and arrays nest) when equal, else
 * DIFFERENT. In schema positions it collects $refs and refuses the cases listed at the top.
 */
function walk(a: unknown, b: unknown, data: boolean, names: boolean, refs: Set<string>): number {
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return a === b ? 0 : DIFFERENT;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return DIFFERENT;
    let height = 0;
    for (let i = 0; i < a.length; i++) {
      const child = walk(a[i], b[i], data, false, refs);
      if (child === DIFFERENT) return DIFFERENT;
      if (child > height) height = child;
    }
    return height + 1;
  }
  if (Array.isArray(b)) return DIFFERENT;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return DIFFERENT;
  if (!data && !names && !isPlainSchemaObject(left, refs)) return DIFFERENT;
  let height = 0;
  for (const key of keys) {
    if (!Object.hasOwn(right, key)) return DIFFERENT;
    const isData = data || (!names && DATA_KEYS.has(key));
    const child = walk(left[key], right[key], isData, !isData && !names && MAP_KEYS.has(key), refs);
    if (child === DIFFERENT) return DIFFERENT;
    if (child > height) height = child;
  }
  return height + 1;
}

/** Records the object's $ref; false when the comparer could report it unchanged (see the top). */
function isPlainSchemaObject(value: Record<string, unknown>, refs: Set<string>): boolean {
  const ref = value['$ref'];
  if (typeof ref === 'string') refs.add(ref);
  for (const keyword of IDENTITY_KEYWORDS) {
    const held = value[keyword];
    if (held !== null && typeof held === 'object') return false;
  }
  const discriminator = value['discriminator'];
  if (isObject(discriminator)) {
    const property = discriminator['propertyName'];
    if (property !== null && typeof property === 'object') return false;
    const mapping = discriminator['mapping'];
    if (isObject(mapping) && Object.values(mapping).some((target) => target !== null && typeof target === 'object')) return false;
  }
  return value['x-sunset'] === undefined || sunsetOf(value) !== null;
}
