// openapi.version_bump: a breaking change (any ERR of openapi.diff on the spec) needs a
// major bump of `info.version` (semver). For 0.x versions a minor bump counts as major:
// semver says 0.y.z may change anything at any time, and by convention (npm's caret
// ranges, Cargo) 0.y -> 0.(y+1) is where the breaking changes of a 0.x API go.
// It says what the version should become, e.g. "2.3.1 → 3.0.0".
import { z } from 'zod';
import { makeFinding, type Finding } from '../findings.js';
import { SpecParseError } from '../openapi/index.js';
import {
  MAX_SPEC_BYTES,
  MaxSpecBytes,
  formatBytes,
  SpecList,
  memoDiff,
  overLimit,
  packDiffConfigFor,
  packDiffSpecs,
  specChangeWithRefs,
  specList,
  specNotFoundMessage,
} from './openapi-shared.js';
import { TooComplexError, type ComparatorContext, type ComparatorImpl } from './types.js';

export const TYPE = 'openapi.version_bump';

export const VersionBumpConfig = z.strictObject({ spec: SpecList.optional(), maxSpecBytes: MaxSpecBytes.optional() });
export type VersionBumpConfig = z.infer<typeof VersionBumpConfig>;

export interface Semver {
  major: number;
  minor: number;
  patch: number;
}

export function parseSemver(v: string | undefined): Semver | undefined {
  const m = v?.trim().match(/^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** Whether head is a breaking-change bump of base (0.x: a minor bump counts). */
export function isMajorBump(base: Semver, head: Semver): boolean {
  if (head.major > base.major) return true;
  return base.major === 0 && head.major === 0 && head.minor > base.minor;
}

/** What the version should become for a breaking change. */
export function nextMajor(base: Semver): string {
  return base.major === 0 ? `0.${base.minor + 1}.0` : `${base.major + 1}.0.0`;
}

export const versionBumpComparator: ComparatorImpl = {
  type: TYPE,
  configSchema: VersionBumpConfig,
  defaultSeverity: 'high',
  async run(ctx) {
    const config = VersionBumpConfig.parse(ctx.comparator.config);
    const specs = config.spec !== undefined ? specList(config.spec) : packDiffSpecs(ctx);
    const out: Finding[] = [];
    for (const spec of specs) {
      let finding: Finding | undefined;
      try {
        finding = await checkOne(ctx, spec, config);
      } catch (error) {
        if (!(error instanceof TooComplexError)) throw error;
        // Fail closed; said once: the pack's openapi.diff on this spec reports it already.
        if (!packDiffSpecs(ctx).includes(spec)) {
          finding = makeFinding(ctx.pack, ctx.comparator, { ruleId: 'api-spec-too-complex', level: 'ERR', failClosed: true, file: error.file, line: 1, message: `${error.message}, so its version bump was not checked.` }, 'high');
        }
      }
      if (finding) out.push(finding);
    }
    return out;
  },
};

async function checkOne(ctx: ComparatorContext, spec: string, config: VersionBumpConfig): Promise<Finding | undefined> {
  // The size limit: this comparator's own, else that of the pack's openapi.diff on the spec (whose diff it shares).
  const packDiff = packDiffConfigFor(ctx, spec);
  const maxSpecBytes = config.maxSpecBytes ?? packDiff?.maxSpecBytes ?? MAX_SPEC_BYTES;
  const change = await specChangeWithRefs(ctx, spec, maxSpecBytes);
  // New and removed specs have no version history to bump; openapi.diff reports them.
  if (change.kind !== 'changed') return undefined;
  const f = (d: Parameters<typeof makeFinding>[2]) => makeFinding(ctx.pack, ctx.comparator, d, 'high');
  const [base, head] = await Promise.all([ctx.changes.readBase(change.basePath), ctx.changes.readHead(change.headPath)]);
  if (base === undefined && head === undefined && !change.guessed && !packDiffSpecs(ctx).includes(spec)) {
    // A spec only this comparator names (openapi.diff reports its own): a wrong path is never a pass.
    return f({ ruleId: 'api-spec-not-found', level: 'ERR', failClosed: true, file: spec, message: specNotFoundMessage(spec, ctx.pack.file) });
  }
  if (base === undefined || head === undefined) return undefined;
  // A spec over the limit is openapi.diff's finding (fail closed there), not repeated here;
  // a spec only this comparator names gets it here instead.
  const headBytes = overLimit(head, maxSpecBytes);
  if (headBytes !== undefined) {
    if (packDiff && overLimit(head, packDiff.maxSpecBytes ?? MAX_SPEC_BYTES) !== undefined) return undefined;
    return f({
      ruleId: 'api-spec-too-large',
      level: 'ERR',
      failClosed: true,
      file: change.headPath,
      line: 1,
      message: `The OpenAPI spec ${change.headPath} is ${formatBytes(headBytes)}, over the limit of ${maxSpecBytes} bytes (the comparator's config.maxSpecBytes): its version bump was not checked.`,
    });
  }
  let result: DiffResult;
  try {
    result = await memoDiff(ctx, { path: change.basePath, content: base }, { path: change.headPath, content: head }, { ...(packDiff ?? {}), maxSpecBytes });
  } catch (error) {
    // An unparsable spec is openapi.diff's finding (fail closed there); not repeated here.
    if (error instanceof SpecParseError) return undefined;
    throw error;
  }
  const draft = bumpProblem(spec, change.headPath, head, result);
  return draft ? f(draft) : undefined;
}

type DiffResult = Awaited<ReturnType<typeof memoDiff>>;

/** Breaking changes without a major bump of info.version (or a version that is not semver), as a finding draft. */
function bumpProblem(spec: string, headPath: string, head: string, result: DiffResult): Parameters<typeof makeFinding>[2] | undefined {
  const breaking = result.changes.filter((c) => c.level === 'ERR');
  if (breaking.length === 0) return undefined;
  // The parser's position of info.version; the text scan only as a fallback.
  const where = result.headVersionSource?.file === headPath ? result.headVersionSource.line : infoVersionLine(head);
  const at = { file: headPath, ...(where ? { line: where } : {}) };
  const n = `${breaking.length} breaking change${breaking.length === 1 ? '' : 's'}`;
  const baseV = parseSemver(result.baseVersion);
  const headV = parseSemver(result.headVersion);
  if (!baseV) {
    return {
      ruleId: 'api-version-not-semver',
      level: 'WARN',
      ...at,
      message: `${spec} has ${n}, but its base info.version "${result.baseVersion ?? '(none)'}" is not semver, so the bump cannot be checked.`,
    };
  }
  const should = nextMajor(baseV);
  const from = result.baseVersion ?? '';
  if (!headV) {
    return {
      ruleId: 'api-version-major-bump-required',
      level: 'ERR',
      ...at,
      message: `${spec} has ${n} but info.version "${result.headVersion ?? '(none)'}" is not semver: it should become ${from} → ${should}.`,
    };
  }
  if (isMajorBump(baseV, headV)) return undefined;
  const zero = baseV.major === 0 ? ' (for a 0.x version a minor bump counts as major)' : '';
  return {
    ruleId: 'api-version-major-bump-required',
    level: 'ERR',
    ...at,
    message: `${spec} has ${n} but info.version went ${from} → ${result.headVersion}; a breaking change needs a major bump${zero}: ${from} → ${should}.`,
  };
}

/** The line of `info.version` in a YAML or JSON spec (a line scan; good enough for an annotation). */
export function infoVersionLine(text: string): number | undefined {
  const lines = text.split('\n');
  const json = text.trimStart().startsWith('{');
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const infoAt = lines.findIndex((l) => /^\s*"?info"?\s*:/.test(l));
  if (infoAt < 0) return undefined;
  const indent = indentOf(lines[infoAt]!);
  for (let i = infoAt + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    if (/^\s*"?version"?\s*:/.test(l) && (json || indentOf(l) > indent)) return i + 1;
    // Left the info block: YAML dedents, JSON closes the object.
    if (json ? /^\s*}/.test(l) && indentOf(l) <= indent : indentOf(l) <= indent) break;
  }
  return infoAt + 1;
}
