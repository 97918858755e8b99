// Which packs govern a change: status, scope, repo allowlist and path globs. Pure and
// fast: globs are compiled once per distinct list (globs.ts) and matched as RegExps.
import { compileGlobs, globMatcher, matchesCompiled, normalizePath, type GlobMatcher } from './globs.js';
import type { ServiceCatalog } from './schema.js';
import type { LoadedPack, PackSet } from './types.js';

export interface SelectOptions {
  /** Skip the path-glob filters (scope, allowlist and status still apply). */
  ignorePaths?: boolean;
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
  return set.packs.filter((loaded) => applies(loaded, set.services, repo, paths, options));
}

function applies(
  loaded: LoadedPack,
  services: ServiceCatalog,
  repo: string,
  paths: readonly string[],
  options: SelectOptions,
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
  for (const path of paths) {
    if ((!svcGlobs || matchesCompiled(svcGlobs, path)) && (!packGlobs || matchesCompiled(packGlobs, path))) return true;
  }
  return false;
}
