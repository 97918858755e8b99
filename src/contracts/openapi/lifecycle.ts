// info.version and component lifecycle: a version that goes down, or a breaking change
// shipped without a major (or any) version bump.
import { at } from './changes.js';
import type { DiffContext } from './context.js';
import { childOf, isObject } from './refs.js';

export function versionOf(context: DiffContext, side: 'base' | 'head'): string | undefined {
  const set = context[side];
  const version = childOf(childOf(set.root(), 'info'), 'version')?.value;
  return version === undefined || version === null ? undefined : String(version);
}

/** Numeric parts of a version ("v2.10.1" -> [2, 10, 1]); undefined when it has none. */
function versionParts(version: string | undefined): number[] | undefined {
  const parts = version?.match(/\d+/g)?.map(Number);
  return parts && parts.length > 0 ? parts : undefined;
}

function compareParts(a: number[], b: number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Runs after the other families, since "not bumped" depends on what else changed. */
export function compareVersions(context: DiffContext, hasChanges: boolean, hasBreakingChanges: boolean): void {
  const baseVersion = versionOf(context, 'base');
  const headVersion = versionOf(context, 'head');
  const headAt = at(context.head.root(), 'info', 'version');
  const baseAt = at(context.base.root(), 'info', 'version');
  const report = (id: string, detail: string): void => context.sink.add({ id, detail, head: headAt, base: baseAt });
  const before = versionParts(baseVersion);
  const after = versionParts(headVersion);
  if (!before || !after) return;
  const order = compareParts(after, before);
  if (order < 0) report('api-version-decreased', `info.version decreased from ${baseVersion} to ${headVersion}; versions should only go up`);
  if (order === 0 && hasChanges) report('api-version-not-bumped', `the API changed but info.version stayed ${headVersion}; clients cannot tell the versions apart`);
  if (order > 0 && hasBreakingChanges && (after[0] ?? 0) <= (before[0] ?? 0)) {
    report('api-major-version-not-bumped', `breaking changes shipped but the major version stayed ${before[0]} (${baseVersion} -> ${headVersion}); clients pinned to this major version will break`);
  }
}

/** Removed component schemas: not breaking by themselves, but worth a note. */
export function compareComponentSchemas(context: DiffContext): void {
  const base = childOf(childOf(context.base.root(), 'components'), 'schemas');
  const head = childOf(childOf(context.head.root(), 'components'), 'schemas');
  if (!isObject(base?.value)) return;
  const headNames = isObject(head?.value) ? head.value : {};
  for (const name of Object.keys(base.value)) {
    if (!(name in headNames)) {
      context.sink.add({ id: 'api-schema-removed', detail: `component schema ${name} was removed`, head: at(head ?? context.head.root()), base: at(base, name) });
    }
  }
}
