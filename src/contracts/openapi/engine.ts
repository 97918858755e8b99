// The diff pipeline: load both sides, run each rule family, then filter (ignore list),
// rate (severity overrides), locate and sort. Pure: no clock, network or environment.
import { ChangeSink, consequence, type RawChange } from './changes.js';
import type { DiffContext } from './context.js';
import { pathShape } from './endpoints.js';
import { compareComponentSchemas, compareVersions, versionOf } from './lifecycle.js';
import { compareParameters } from './parameters.js';
import { DEFAULT_MAX_BYTES } from './parse.js';
import { comparePaths } from './paths.js';
import { loadSpecSet } from './refs.js';
import { compareRequestBodies } from './request-bodies.js';
import { compareResponses } from './responses.js';
import { RULES } from './rules.js';
import { SchemaComparer } from './schema-compare.js';
import { compareGlobalSecurity, compareOperationSecurity } from './security.js';
import type { DiffOptions, IgnoreEntry, Level, OpenApiChange, OpenApiDiffResult, SpecBytes, SpecFile } from './types.js';

export async function openapiDiff(base: SpecFile | SpecBytes, head: SpecFile | SpecBytes, options: DiffOptions = {}): Promise<OpenApiDiffResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const baseSet = await loadSpecSet(base, { maxBytes, ...(options.readBase ? { read: options.readBase } : {}) });
  const headSet = await loadSpecSet(head, { maxBytes, ...(options.readHead ? { read: options.readHead } : {}) });
  const now = options.now ?? new Date();
  const sunsetPolicy = options.sunsetPolicy ?? {};
  const context: DiffContext = {
    base: baseSet,
    head: headSet,
    now,
    sunsetPolicy,
    sink: new ChangeSink(),
    schemas: new SchemaComparer(baseSet, headSet, { now, sunsetPolicy }),
  };
  runRuleFamilies(context);
  const changes = withoutDuplicates(context.sink.changes)
    .filter((change) => !isIgnored(change, options.ignore ?? []))
    .map((change) => finish(change, options.severityOverrides ?? {}))
    .sort(bySourceThenId);
  const baseVersion = versionOf(context, 'base');
  const headVersion = versionOf(context, 'head');
  return {
    changes,
    ...(baseVersion !== undefined ? { baseVersion } : {}),
    ...(headVersion !== undefined ? { headVersion } : {}),
    headVersionSource: headSet.main.locate(['info', 'version']),
  };
}

function runRuleFamilies(context: DiffContext): void {
  for (const pair of comparePaths(context)) {
    compareParameters(context, pair);
    compareRequestBodies(context, pair);
    compareResponses(context, pair);
    compareOperationSecurity(context, pair);
  }
  compareGlobalSecurity(context);
  compareComponentSchemas(context);
  const found = context.sink.changes;
  compareVersions(context, found.length > 0, found.some((change) => RULES.get(change.id)?.level === 'ERR'));
}

/**
 * A shared or recursive schema is reached along several property paths of one operation
 * (node.leaf.x, node.children[].leaf.x): one element, one change. The shortest path wins.
 */
function withoutDuplicates(changes: readonly RawChange[]): RawChange[] {
  const kept = new Map<string, RawChange>();
  for (const change of changes) {
    const key = [change.id, change.method, change.path, change.head.doc.file, change.head.pointer, change.base?.doc.file, change.base?.pointer].join('|');
    const previous = kept.get(key);
    if (!previous || change.detail.length < previous.detail.length) kept.set(key, change);
  }
  return [...kept.values()];
}

function isIgnored(change: RawChange, ignore: readonly IgnoreEntry[]): boolean {
  return ignore.some((entry) =>
    (entry.rule === undefined || entry.rule === change.id) &&
    (entry.method === undefined || entry.method.toUpperCase() === change.method) &&
    (entry.path === undefined || (change.path !== undefined && pathShape(entry.path) === pathShape(change.path))));
}

function finish(change: RawChange, overrides: Record<string, Level>): OpenApiChange {
  const level = overrides[change.id] ?? RULES.get(change.id)?.level ?? 'INFO';
  const source = change.head.doc.locate(change.head.pointer.segments());
  const baseSource = change.base && change.base.doc.locate(change.base.pointer.segments());
  const endpoint = change.method && change.path ? `${change.method} ${change.path}: ` : change.path ? `${change.path}: ` : '';
  const baseNote = baseSource ? ` (base: ${baseSource.file}:${baseSource.line})` : '';
  return {
    id: change.id,
    level,
    ...(change.method ? { method: change.method } : {}),
    ...(change.path ? { path: change.path } : {}),
    message: `${endpoint}${withConsequence(change)}${baseNote}`,
    source,
    ...(baseSource ? { baseSource } : {}),
  };
}

/** Families that know the specific reason write it after '; ' in the detail; others get the catalogue's. */
function withConsequence(change: RawChange): string {
  return change.detail.includes('; ') ? change.detail : `${change.detail}; ${consequence(change.id)}`;
}

function bySourceThenId(a: OpenApiChange, b: OpenApiChange): number {
  return (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : 0) ||
    a.source.line - b.source.line ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
    (a.path ?? '').localeCompare(b.path ?? '') ||
    (a.method ?? '').localeCompare(b.method ?? '');
}
