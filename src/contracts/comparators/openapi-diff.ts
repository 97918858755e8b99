// openapi.diff: breaking and notable changes between the base and head versions of
// the pack's OpenAPI spec(s), through our own engine (src/contracts/openapi/).
// Fail closed: a spec that cannot be read or parsed at head, or one over the size limit
// (config.maxSpecBytes, 20 MiB by default), is a finding at its file and line, scored at
// least `high` — never a pass; so is one the engine gave up on (too complex to compare
// within the app's parse deadline).
import { makeFinding, type Finding } from '../findings.js';
import { SpecParseError } from '../openapi/index.js';
import {
  MAX_SPEC_BYTES,
  OpenApiDiffConfig,
  formatBytes,
  memoDiff,
  overLimit,
  specChangeWithRefs,
  specList,
  specNotFoundMessage,
  diffOptions,
  type SpecChange,
  openapiEngine,
} from './openapi-shared.js';
import { TooComplexError, type ComparatorContext, type ComparatorImpl } from './types.js';

export const TYPE = 'openapi.diff';

export const openapiDiffComparator: ComparatorImpl = {
  type: TYPE,
  configSchema: OpenApiDiffConfig,
  defaultSeverity: 'high',
  async run(ctx) {
    const config = OpenApiDiffConfig.parse(ctx.comparator.config);
    const out: Finding[] = [];
    for (const spec of specList(config.spec)) {
      try {
        out.push(...(await diffOne(ctx, config, spec)));
      } catch (error) {
        if (!(error instanceof TooComplexError)) throw error;
        out.push(makeFinding(ctx.pack, ctx.comparator, tooComplex(error), 'high'));
      }
    }
    return out;
  },
};

type MakeFinding = (draft: Parameters<typeof makeFinding>[2]) => Finding;

async function diffOne(ctx: ComparatorContext, config: OpenApiDiffConfig, spec: string): Promise<Finding[]> {
  const f: MakeFinding = (draft) => makeFinding(ctx.pack, ctx.comparator, draft, 'high');
  const change = await specChangeWithRefs(ctx, spec, config.maxSpecBytes);
  switch (change.kind) {
    case 'untouched':
      return [];
    case 'removed':
      return [
        f({
          ruleId: 'api-spec-removed',
          level: 'ERR',
          file: spec,
          message: `The OpenAPI spec ${spec} was removed: every operation it described is gone for clients.`,
        }),
      ];
    case 'added': {
      const head = await ctx.changes.readHead(change.headPath);
      if (head === undefined) return [unreadable(f, spec)];
      return added(ctx, config, f, spec, change.headPath, head);
    }
    case 'changed':
      return changed(ctx, config, f, spec, change);
  }
}

/** A spec new at head: nothing to compare, as long as it parses. */
async function added(ctx: ComparatorContext, config: OpenApiDiffConfig, f: MakeFinding, spec: string, headPath: string, head: string): Promise<Finding[]> {
  const problem = await headProblem(ctx, config, headPath, head);
  if (problem) return [f(problem)];
  return [f({ ruleId: 'api-spec-added', level: 'INFO', file: spec, line: 1, message: `New OpenAPI spec ${spec}: nothing to compare against.` })];
}

async function changed(ctx: ComparatorContext, config: OpenApiDiffConfig, f: MakeFinding, spec: string, change: Extract<SpecChange, { kind: 'changed' }>): Promise<Finding[]> {
  const [base, head] = await Promise.all([ctx.changes.readBase(change.basePath), ctx.changes.readHead(change.headPath)]);
  if (head === undefined) {
    if (base === undefined) {
      // With a truncated file list we only guessed the spec changed: absent at both sides is no news.
      if (change.guessed) return [];
      return [notFound(f, spec, ctx.pack.file)];
    }
    return [unreadable(f, spec)];
  }
  if (base === undefined) return added(ctx, config, f, spec, change.headPath, head);
  const headBytes = overLimit(head, maxBytesOf(config));
  if (headBytes !== undefined) return [f(tooLarge(spec, headBytes, maxBytesOf(config)))];
  try {
    const result = await memoDiff(ctx, { path: change.basePath, content: base }, { path: change.headPath, content: head }, config);
    return result.changes.map((c) => f(findingOf(c)));
  } catch (error) {
    if (!(error instanceof SpecParseError)) throw error;
    // Which side is broken? A head that parses against itself is fine: then the base was broken,
    // and a PR that repairs a spec is not blocked for it.
    const problem = await headProblem(ctx, config, change.headPath, head);
    if (problem) return [f(problem)];
    return [
      f({
        ruleId: 'api-spec-base-unparsable',
        level: 'WARN',
        file: spec,
        line: 1,
        message: `The base version of ${spec} could not be parsed (${error.message}), so no changes could be compared. The head version parses.`,
      }),
    ];
  }
}

/** One change of the engine as a finding draft; a removal names its base line unless its message does. */
function findingOf(c: Awaited<ReturnType<typeof memoDiff>>['changes'][number]): Parameters<MakeFinding>[0] {
  const mentionsBase = c.baseSource !== undefined && /\bbase\b/i.test(c.message);
  const suffix = c.baseSource && !mentionsBase ? ` (base: ${c.baseSource.file}:${c.baseSource.line})` : '';
  return {
    ruleId: c.id,
    level: c.level,
    message: c.message + suffix,
    file: c.source.file,
    line: c.source.line,
    column: c.source.column,
    ...(c.method !== undefined ? { method: c.method } : {}),
    ...(c.path !== undefined ? { path: c.path } : {}),
  };
}

type Draft = Parameters<typeof makeFinding>[2];

function unreadable(f: (d: Draft) => Finding, spec: string): Finding {
  return f({ ruleId: 'api-spec-unreadable', level: 'ERR', failClosed: true, file: spec, message: `The OpenAPI spec ${spec} could not be read at head.` });
}

function notFound(f: (d: Draft) => Finding, spec: string, packFile: string): Finding {
  return f({ ruleId: 'api-spec-not-found', level: 'ERR', failClosed: true, file: spec, message: specNotFoundMessage(spec, packFile) });
}

function maxBytesOf(config: OpenApiDiffConfig): number {
  return config.maxSpecBytes ?? MAX_SPEC_BYTES;
}

function megabytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return Number.isInteger(value) ? `${value} MB` : formatBytes(bytes);
}

function tooLarge(spec: string, bytes: number, limit: number): Draft {
  return {
    ruleId: 'api-spec-too-large',
    level: 'ERR',
    failClosed: true,
    file: spec,
    line: 1,
    message: `The OpenAPI spec ${spec} is ${formatBytes(bytes)}, over the ${megabytes(limit)} limit (the comparator's config.maxSpecBytes, ${limit} bytes${limit === MAX_SPEC_BYTES ? ' by default' : ''}): it was not compared.`,
  };
}

function tooComplex(error: TooComplexError): Draft {
  return {
    ruleId: 'api-spec-too-complex',
    level: 'ERR',
    failClosed: true,
    file: error.file,
    line: 1,
    message: `${error.message}, so its changes were not checked: split the spec, or raise PJ_PARSE_DEADLINE_MS.`,
  };
}

/** Parses head against itself; a parse error becomes a fail-closed finding at its position. */
async function headProblem(ctx: ComparatorContext, config: OpenApiDiffConfig, path: string, content: string): Promise<Draft | undefined> {
  const bytes = overLimit(content, maxBytesOf(config));
  if (bytes !== undefined) return tooLarge(path, bytes, maxBytesOf(config));
  const headOnly = diffOptions(ctx.changes, config, ctx.now);
  headOnly.readBase = headOnly.readHead;
  try {
    await openapiEngine(ctx).diff({ path, content }, { path, content }, headOnly);
    return undefined;
  } catch (error) {
    if (!(error instanceof SpecParseError)) throw error;
    return {
      ruleId: 'api-spec-unparsable',
      level: 'ERR',
      failClosed: true,
      file: error.file,
      line: error.line,
      column: error.column,
      message: `${error.message}: the spec cannot be parsed at head, so its changes cannot be checked.`,
    };
  }
}
