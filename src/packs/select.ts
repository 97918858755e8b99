// Which packs govern a change: status, scope, repo allowlist and path globs. Pure and
// fast: globs are compiled once per pack version (cached by version hash) and matched
// with the compiled regular expressions.
import { Minimatch } from 'minimatch';
import type { ServiceCatalog } from './schema.js';
import type { LoadedPack, PackSet } from './types.js';

export interface SelectOptions {
  /** Skip the path-glob filters (scope, allowlist and status still apply). */
  ignorePaths?: boolean;
}

/** Positive globs select; globs starting with "!" exclude. Each side is one combined RegExp. */
interface GlobMatcher {
  include: RegExp | undefined;
  exclude: RegExp | undefined;
}

const MINIMATCH_OPTIONS = { dot: true, nocomment: true, nonegate: true } as const;
const MAX_CACHED = 2000;
const byKey = new Map<string, GlobMatcher>();
const byObject = new WeakMap<object, GlobMatcher>();

export function compileGlobs(globs: readonly string[]): GlobMatcher {
  const include: RegExp[] = [];
  const exclude: RegExp[] = [];
  for (const glob of globs) {
    const negated = glob.startsWith('!');
    // Changed paths are repo-relative without a leading "./" or "/": globs are written either way.
    const pattern = (negated ? glob.slice(1) : glob).replace(/^(?:\.\/|\/)+/, '');
    const re = new Minimatch(pattern, MINIMATCH_OPTIONS).makeRe();
    if (re === false) continue; // an invalid pattern matches nothing
    (negated ? exclude : include).push(re);
  }
  return { include: combine(include), exclude: combine(exclude) };
}

function combine(res: RegExp[]): RegExp | undefined {
  if (res.length === 0) return undefined;
  if (res.length === 1) return res[0];
  // minimatch regexps are anchored (^...$) and flag-free with these options: an alternation is equivalent.
  return new RegExp(res.map((r) => `(?:${r.source})`).join('|'), res[0]!.flags);
}

function cached(key: string, globs: readonly string[]): GlobMatcher {
  let m = byKey.get(key);
  if (!m) {
    m = compileGlobs(globs);
    if (byKey.size >= MAX_CACHED) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, m);
  }
  return m;
}

function packMatcher(loaded: LoadedPack, globs: readonly string[]): GlobMatcher {
  if (loaded.valid) return cached(`pack:${loaded.versionHash}`, globs);
  let m = byObject.get(loaded);
  if (!m) {
    m = compileGlobs(globs);
    byObject.set(loaded, m);
  }
  return m;
}

function matches(m: GlobMatcher, path: string): boolean {
  // Only exclusions: everything else is included.
  if (m.include ? !m.include.test(path) : !m.exclude) return false;
  return !m.exclude?.test(path);
}

export function selectPacks(
  set: PackSet,
  repoFullName: string,
  changedPaths: readonly string[],
  options: SelectOptions = {},
): LoadedPack[] {
  const repo = repoFullName.toLowerCase();
  const paths = changedPaths.map((p) => (p.startsWith('./') ? p.slice(2) : p));
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
  let serviceKey = '';
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
          serviceKey = `service:${scope.ref}:${JSON.stringify(service.pathGlobs)}`;
        }
      }
    }
  }

  if (allowlist && allowlist.length > 0 && !allowlist.some((r) => r.toLowerCase() === repo)) return false;
  if (options.ignorePaths) return true;

  const packGlobs = globs && globs.length > 0 ? packMatcher(loaded, globs) : undefined;
  const svcGlobs = serviceGlobs ? cached(serviceKey, serviceGlobs) : undefined;
  if (!packGlobs && !svcGlobs) return true;
  // One changed path must fall inside both the service's paths and the pack's globs.
  for (const path of paths) {
    if ((!svcGlobs || matches(svcGlobs, path)) && (!packGlobs || matches(packGlobs, path))) return true;
  }
  return false;
}
