// Which packs govern a change: status, scope, repo allowlist and path globs. Pure and
// fast: globs are compiled once per distinct list (globs.ts) and matched without
// backtracking. The work of one selection is bounded too: many packs × many globs × many
// changed files is counted in path × glob tests, and past the budget selection ends with a
// SelectionBudgetError (the use case fails the check closed, naming the limit) instead of
// holding the event loop. Counted work, not time: the core has no clock.
import { compileGlobs, globMatcher, matchesCompiled, normalizePath, type GlobMatcher } from './globs.js';
import type { ServiceCatalog } from './schema.js';
import type { LoadedPack, PackSet } from './types.js';

/** Path × glob tests one selection may make (about a second of matching on a slow machine). */
export const DEFAULT_MAX_GLOB_TESTS = 2_000_000;

export interface SelectOptions {
  /** Skip the path-glob filters (scope, allowlist and status still apply). */
  ignorePaths?: boolean;
  /** The budget of path × glob tests (default DEFAULT_MAX_GLOB_TESTS). */
  maxGlobTests?: number;
}

/** Selection passed its budget: which packs govern the change is not known, so nothing may pass. */
export class SelectionBudgetError extends Error {
  constructor(
    readonly limit: number,
    readonly packs: number,
    readonly paths: number,
  ) {
    super(
      `selecting the policy packs for this change passed the limit of ${limit.toLocaleString('en-US')} path × glob tests per event ` +
        `(${packs} packs, ${paths} changed files): which packs govern it is unknown, so it fails closed. ` +
        `Fewer or narrower pathGlobs in the packs (or a smaller change) bring it under the limit.`,
    );
    this.name = 'SelectionBudgetError';
  }
}

/** Counts the tests of one selection against its budget. */
class Budget {
  private used = 0;
  constructor(
    private readonly limit: number,
    private readonly packs: number,
    private readonly paths: number,
  ) {}

  spend(n: number): void {
    this.used += n;
    if (this.used > this.limit) throw new SelectionBudgetError(this.limit, this.packs, this.paths);
  }
}

/** How many globs one test of a path against the matcher may try. */
function cost(m: GlobMatcher | undefined): number {
  return m ? Math.max(1, (m.include?.length ?? 0) + (m.exclude?.length ?? 0)) : 0;
}

const byObject = new WeakMap<object, GlobMatcher>();

function packMatcher(loaded: LoadedPack, globs: readonly string[]): GlobMatcher {
  if (loaded.valid) return globMatcher(globs);
  let m = byObject.get(loaded);
  if (!m) {
    m = compileGlobs(globs);
    byObject.set(loaded, m);
  }
  return m;
}

export function selectPacks(
  set: PackSet,
  repoFullName: string,
  changedPaths: readonly string[],
  options: SelectOptions = {},
): LoadedPack[] {
  const repo = repoFullName.toLowerCase();
  const paths = changedPaths.map(normalizePath);
  const budget = new Budget(options.maxGlobTests ?? DEFAULT_MAX_GLOB_TESTS, set.packs.length, paths.length);
  return set.packs.filter((loaded) => applies(loaded, set.services, repo, paths, options, budget));
}

function applies(
  loaded: LoadedPack,
  services: ServiceCatalog,
  repo: string,
  paths: readonly string[],
  options: SelectOptions,
  budget: Budget,
): boolean {
  // Invalid packs fail closed: they apply wherever what could be read of them says.
  const scope = loaded.valid ? loaded.pack.scope : loaded.scope;
  const allowlist = loaded.valid ? loaded.pack.repoAllowlist : loaded.repoAllowlist;
  const globs = loaded.valid ? loaded.pack.pathGlobs : loaded.pathGlobs;

  if (loaded.valid) {
    const { status, testMode } = loaded.pack;
    if (status === 'archived') return false;
    if (status === 'draft' && !testMode.enabled) return false;
  }

  let serviceGlobs: readonly string[] | undefined;
  if (scope) {
    if (scope.type === 'repo' && scope.ref?.toLowerCase() !== repo) return false;
    if (scope.type === 'service') {
      // Own entries only: a name like "constructor" or "__proto__" is no service.
      const service = scope.ref === undefined || !Object.hasOwn(services, scope.ref) ? undefined : services[scope.ref];
      if (!service) {
        // A valid pack never gets here (loading checks the catalog); an invalid one fails closed.
        if (loaded.valid) return false;
      } else {
        if (!service.repos.some((r) => r.toLowerCase() === repo)) return false;
        if (service.pathGlobs && service.pathGlobs.length > 0) {
          serviceGlobs = service.pathGlobs;
        }
      }
    }
  }

  if (allowlist && allowlist.length > 0 && !allowlist.some((r) => r.toLowerCase() === repo)) return false;
  if (options.ignorePaths) return true;

  const packGlobs = globs && globs.length > 0 ? packMatcher(loaded, globs) : undefined;
  const svcGlobs = serviceGlobs ? globMatcher(serviceGlobs) : undefined;
  if (!packGlobs && !svcGlobs) return true;
  // One changed path must fall inside both the service's paths and the pack's globs.
  const perPath = cost(svcGlobs) + cost(packGlobs);
  for (const path of paths) {
    budget.spend(perPath);
    if ((!svcGlobs || matchesCompiled(svcGlobs, path)) && (!packGlobs || matchesCompiled(packGlobs, path))) return true;
  }
  return false;
}
