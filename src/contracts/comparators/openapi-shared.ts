// What openapi.diff and openapi.version_bump share: the spec config, deciding whether
// a PR touches a spec, and one memoised diff per spec and options per evaluation.
import { posix } from 'node:path';
import { z } from 'zod';
import type { ChangeSet, ChangedFile } from '../../change/changeset.js';
import { SpecParseError, openapiDiff, type DiffOptions, type OpenApiDiffResult } from '../openapi/index.js';
import { loadSpecSet } from '../openapi/refs.js';
import { RULES } from '../openapi/rules.js';
import type { ComparatorContext, OpenApiEngine } from './types.js';

const Level = z.enum(['ERR', 'WARN', 'INFO']);
export const SpecPath = z
  .string()
  .min(1, 'a spec path may not be empty')
  .refine((p) => !/[*?[\]{}]/.test(p), {
    message: 'a spec path names one file: glob characters (* ? [ ] { }) are not supported; list each spec instead',
  });
export const SpecList = z.union([SpecPath, z.array(SpecPath).min(1)]);

/** The engine in this thread: what `pj check`, `pj diff` and the tests use, and the default. */
export const IN_PROCESS_OPENAPI: OpenApiEngine = {
  diff: (base, head, options) => openapiDiff(base, head, options),
  fileSet: async (main, options) => (await loadSpecSet(main, options)).filePaths(),
};

/** The context's OpenAPI engine (the app's off-thread one), or the in-process one. */
export function openapiEngine(ctx: Pick<ComparatorContext, 'openapi'>): OpenApiEngine {
  return ctx.openapi ?? IN_PROCESS_OPENAPI;
}

/** Why a rule id is not one openapi.diff can report, or undefined when it is. */
export function unknownRuleMessage(id: string): string | undefined {
  if (RULES.has(id)) return undefined;
  const near = closestRule(id);
  return `unknown rule id "${id}": not an openapi.diff rule (oasdiff's change-rule catalogue)${near ? `; did you mean "${near}"?` : ''}`;
}

function closestRule(id: string): string | undefined {
  let best: { id: string; distance: number } | undefined;
  for (const candidate of RULES.keys()) {
    if (Math.abs(candidate.length - id.length) > 4) continue;
    const distance = editDistance(id, candidate);
    if (distance <= 4 && (!best || distance < best.distance)) best = { id: candidate, distance };
  }
  return best?.id;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export const IgnoreEntry = z
  .strictObject({
    rule: z.string().min(1).optional(),
    method: z.string().min(1).optional(),
    path: z.string().min(1).optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.rule === undefined && entry.method === undefined && entry.path === undefined) {
      ctx.addIssue({ code: 'custom', message: 'an ignore entry needs at least one of rule, method or path (an empty entry would ignore every change)' });
    }
    const unknown = entry.rule === undefined ? undefined : unknownRuleMessage(entry.rule);
    if (unknown) ctx.addIssue({ code: 'custom', path: ['rule'], message: unknown });
  });

export const SeverityOverrides = z.record(z.string().min(1), Level).superRefine((overrides, ctx) => {
  for (const id of Object.keys(overrides)) {
    const unknown = unknownRuleMessage(id);
    if (unknown) ctx.addIssue({ code: 'custom', path: [id], message: unknown });
  }
});

/** 20 MiB by default: larger specs are refused (fail closed), with the limit named. */
export const MAX_SPEC_BYTES = 20 * 1024 * 1024;

/** `maxSpecBytes`: the size limit of one spec file, in bytes (GitHub's dereferenced descriptions are 60–70 MB). */
export const MaxSpecBytes = z
  .number()
  .int('maxSpecBytes is a whole number of bytes')
  .positive('maxSpecBytes must be positive')
  .max(1024 * 1024 * 1024, 'maxSpecBytes may be at most 1 GiB (1073741824)');

const NoticeDays = z.number().int('a number of days is whole').min(0, 'a number of days may not be negative').max(3650, 'at most 3650 days (ten years)');

/** `sunsetPolicy`: newly deprecated elements must name an x-sunset date this many days ahead (by x-stability-level). */
export const SunsetPolicyConfig = z.strictObject({ minDaysStable: NoticeDays.optional(), minDaysBeta: NoticeDays.optional() });

export const OpenApiDiffConfig = z.strictObject({
  spec: SpecList,
  severityOverrides: SeverityOverrides.optional(),
  ignore: z.array(IgnoreEntry).optional(),
  maxSpecBytes: MaxSpecBytes.optional(),
  sunsetPolicy: SunsetPolicyConfig.optional(),
});
export type OpenApiDiffConfig = z.infer<typeof OpenApiDiffConfig>;

/** What a diff depends on besides the two specs: its part of the comparator config. */
export type DiffConfig = Pick<OpenApiDiffConfig, 'severityOverrides' | 'ignore' | 'maxSpecBytes' | 'sunsetPolicy'>;

export function specList(spec: string | string[]): string[] {
  return (Array.isArray(spec) ? spec : [spec]).map(normalise);
}

export function normalise(p: string): string {
  return posix.normalize(p.replace(/^\.?\/+/, ''));
}

export type SpecChange =
  | { kind: 'untouched' }
  | { kind: 'added'; headPath: string }
  | { kind: 'removed'; basePath: string }
  /** guessed: compared only because the file list was truncated (the spec may simply not exist). */
  | { kind: 'changed'; basePath: string; headPath: string; guessed?: boolean };

/**
 * How a PR touches a spec: the spec itself changed, was renamed in or out, or some
 * file under the spec's directory changed (a file it may $ref; kept simple on purpose).
 */
export function specChange(spec: string, files: readonly ChangedFile[], truncated: boolean): SpecChange {
  const self = files.find((f) => f.path === spec && f.status !== 'unchanged');
  if (self) {
    if (self.status === 'added' || self.status === 'copied') return { kind: 'added', headPath: spec };
    if (self.status === 'removed') return { kind: 'removed', basePath: spec };
    if (self.status === 'renamed' && self.previousPath) return { kind: 'changed', basePath: self.previousPath, headPath: spec };
    return { kind: 'changed', basePath: spec, headPath: spec };
  }
  const renamedAway = files.find((f) => f.status === 'renamed' && f.previousPath === spec);
  if (renamedAway) return { kind: 'removed', basePath: spec };
  const dir = posix.dirname(spec);
  const nearby = files.some((f) => {
    if (f.status === 'unchanged') return false;
    if (dir === '.') return /\.(ya?ml|json)$/i.test(f.path) && !f.path.includes('/');
    return [f.path, f.previousPath].some((p) => p !== undefined && p.startsWith(`${dir}/`));
  });
  if (nearby) return { kind: 'changed', basePath: spec, headPath: spec };
  // A truncated file list may have cut the spec off: compare it anyway rather than pass.
  if (truncated) return { kind: 'changed', basePath: spec, headPath: spec, guessed: true };
  return { kind: 'untouched' };
}

/**
 * specChange, plus the files the spec $refs from anywhere in the repo, whatever their name
 * (`../schemas/pet.yaml`, `schemas/payment.schema`): when nothing near the spec changed but
 * some other file did, the head spec's file set (the spec and every file its refs reach) is
 * loaded once per evaluation, and the spec counts as changed when a changed file is in it.
 * Which files matter is decided by the refs the spec contains, never by file extensions.
 *
 * The base set needs no separate load: the spec itself is unchanged here (otherwise
 * specChange said so), so along any chain of refs at base the first changed file is reached
 * through unchanged files, whose refs are the same at head — it is in the head set too. A
 * removed or renamed target leaves a dangling ref at head: the set does not load
 * ('unloadable'), and the spec counts as changed (the comparison then says why: fail closed).
 */
export async function specChangeWithRefs(
  ctx: Pick<ComparatorContext, 'files' | 'changes' | 'memo' | 'openapi'>,
  spec: string,
  maxBytes: number = MAX_SPEC_BYTES,
): Promise<SpecChange> {
  const change = specChange(spec, ctx.files, ctx.changes.truncated === true);
  if (change.kind !== 'untouched') return change;
  const changedPaths = new Set<string>();
  for (const f of ctx.files) {
    if (f.status === 'unchanged') continue;
    for (const p of [f.path, f.previousPath]) if (p !== undefined) changedPaths.add(p);
  }
  if (changedPaths.size === 0) return change;
  const key = `openapi.refs\0${spec}\0${maxBytes}`;
  let refs = ctx.memo?.get(key) as Promise<ReadonlySet<string> | 'unloadable' | undefined> | undefined;
  if (!refs) {
    refs = headFileSet(openapiEngine(ctx), ctx.changes, spec, maxBytes);
    ctx.memo?.set(key, refs);
  }
  const files = await refs;
  if (files === undefined) return change;
  if (files === 'unloadable' || [...changedPaths].some((p) => files.has(p))) return { kind: 'changed', basePath: spec, headPath: spec };
  return change;
}

/**
 * The head spec's file set. undefined: no head spec, or the (untouched) spec file itself
 * does not parse — not this PR's doing. 'unloadable': a referenced file is missing or broken,
 * which a PR changing other files may well have caused.
 */
async function headFileSet(engine: OpenApiEngine, changes: ChangeSet, spec: string, maxBytes: number): Promise<ReadonlySet<string> | 'unloadable' | undefined> {
  const content = await changes.readHead(spec);
  if (content === undefined) return undefined;
  try {
    return new Set(await engine.fileSet({ path: spec, content }, { read: (p) => changes.readHead(p), maxBytes }));
  } catch (error) {
    if (!(error instanceof SpecParseError)) throw error;
    return error.file !== spec || error.message.includes('$ref') ? 'unloadable' : undefined;
  }
}

/** A configured spec that is at neither side of the PR: a wrong path, never a pass. */
export function specNotFoundMessage(spec: string, packFile: string): string {
  return `The OpenAPI spec ${spec} configured in ${packFile} does not exist at the base or the head of this pull request, so nothing was compared. Check the path (a typo, .yml for .yaml?).`;
}

export function diffOptions(changes: ChangeSet, config: DiffConfig, now: Date): DiffOptions {
  const options: DiffOptions = {
    readBase: (p) => changes.readBase(p),
    readHead: (p) => changes.readHead(p),
    maxBytes: config.maxSpecBytes ?? MAX_SPEC_BYTES,
    now,
  };
  if (config.severityOverrides) options.severityOverrides = config.severityOverrides;
  if (config.ignore) options.ignore = config.ignore;
  if (config.sunsetPolicy) options.sunsetPolicy = config.sunsetPolicy;
  return options;
}

/** One diff per (spec, options) per evaluation: openapi.version_bump reuses openapi.diff's. */
export function memoDiff(
  ctx: Pick<ComparatorContext, 'memo' | 'changes' | 'now' | 'openapi'>,
  base: { path: string; content: string },
  head: { path: string; content: string },
  config: DiffConfig,
): Promise<OpenApiDiffResult> {
  const key = `openapi.diff\0${base.path}\0${head.path}\0${JSON.stringify(config.severityOverrides ?? {})}\0${JSON.stringify(config.ignore ?? [])}\0${config.maxSpecBytes ?? MAX_SPEC_BYTES}\0${JSON.stringify(config.sunsetPolicy ?? {})}`;
  const memo = ctx.memo;
  const hit = memo?.get(key) as Promise<OpenApiDiffResult> | undefined;
  if (hit) return hit;
  const p = openapiEngine(ctx).diff(base, head, diffOptions(ctx.changes, config, ctx.now));
  memo?.set(key, p);
  return p;
}

/** The openapi.diff config a pack gives this spec, if any (its overrides and ignores apply to version_bump too). */
export function packDiffConfigFor(ctx: ComparatorContext, spec: string): OpenApiDiffConfig | undefined {
  for (const c of ctx.pack.pack.trackA?.comparators ?? []) {
    if (c.type !== 'openapi.diff' || !c.enabled) continue;
    const parsed = OpenApiDiffConfig.safeParse(c.config);
    if (parsed.success && specList(parsed.data.spec).includes(spec)) return parsed.data;
  }
  return undefined;
}

export function packDiffSpecs(ctx: ComparatorContext): string[] {
  const out: string[] = [];
  for (const c of ctx.pack.pack.trackA?.comparators ?? []) {
    if (c.type !== 'openapi.diff' || !c.enabled) continue;
    const parsed = OpenApiDiffConfig.safeParse(c.config);
    if (parsed.success) for (const s of specList(parsed.data.spec)) if (!out.includes(s)) out.push(s);
  }
  return out;
}

export function formatBytes(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The size of a spec's text in bytes, counted only when its length alone cannot settle it against `limit`. */
export function overLimit(text: string, limit: number): number | undefined {
  if (text.length * 3 <= limit) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : undefined;
}
