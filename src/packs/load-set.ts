// All the files of a packs folder -> a PackSet. Pure: the caller reads the files (local
// folder or the config repo) and hands over their text.
import { parseYamlFile, zodIssuesToErrors } from './parse.js';
import { ServiceCatalog } from './schema.js';
import type { KnownTypes, LoadedPack, PackError, PackSet } from './types.js';
import { isPlainObject, sortErrors, validatePackDetailed, withErrors, type PackValidation } from './validate.js';

export interface PackFile {
  /** Path as it should appear in errors (relative to the config repo or to the cwd). */
  path: string;
  text: string;
  /** Byte size, when known without the text (oversize files may come with empty text). */
  size?: number;
}

export const SERVICE_CATALOG_NAMES = ['services.yml', 'services.yaml'] as const;

export function isYamlFile(path: string): boolean {
  return /\.ya?ml$/i.test(path);
}

export function isServiceCatalog(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return (SERVICE_CATALOG_NAMES as readonly string[]).includes(base.toLowerCase());
}

export interface LoadHooks {
  /** Told before each file is parsed (a parse worker names the file that runs out of time). */
  onFile?(path: string): void;
}

export function loadPackSet(files: ReadonlyArray<PackFile>, known: KnownTypes, sha?: string, hooks: LoadHooks = {}): PackSet {
  const yamlFiles = files.filter((f) => isYamlFile(f.path)).sort((a, b) => a.path.localeCompare(b.path));
  const catalog = readCatalog(yamlFiles.filter((f) => isServiceCatalog(f.path)), hooks);
  const validations: PackValidation[] = yamlFiles
    .filter((f) => !isServiceCatalog(f.path))
    .map((f) => {
      hooks.onFile?.(f.path);
      return validatePackDetailed(f.path, f.text, known, sizeOption(f));
    });
  const packs = markDuplicateIds(validations.map((v) => checkServiceScope(v.loaded, catalog, v)), validations);
  const set: PackSet = { packs, services: catalog.services, errors: sortErrors(catalog.errors) };
  if (sha !== undefined) set.sha = sha;
  return set;
}

interface CatalogRead {
  /** The catalog file read, if any. */
  file?: PackFile;
  services: ServiceCatalog;
  /** Read without errors: its list of services is complete. */
  usable: boolean;
  errors: PackError[];
}

/** The service catalog: the shallowest services.yml wins; valid entries are kept one by one. */
function readCatalog(catalogFiles: readonly PackFile[], hooks: LoadHooks): CatalogRead {
  const errors: PackError[] = [];
  const services: ServiceCatalog = {};
  const [catalog, ...extraCatalogs] = [...catalogFiles].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const extra of extraCatalogs) {
    errors.push({ file: extra.path, line: 1, column: 1, message: `a second service catalog; only ${catalog!.path} is read` });
  }
  if (!catalog) return { services, usable: true, errors };
  hooks.onFile?.(catalog.path);
  const parsed = parseYamlFile(catalog.path, catalog.text, sizeOption(catalog));
  errors.push(...parsed.errors);
  let usable = parsed.errors.length === 0;
  const data = parsed.data ?? {};
  if (!isPlainObject(data)) {
    const r = ServiceCatalog.safeParse(data, { reportInput: true });
    if (!r.success) errors.push(...zodIssuesToErrors(parsed, r.error.issues, ServiceCatalog));
    usable = false;
  } else {
    for (const [name, entry] of Object.entries(data)) {
      const r = ServiceCatalog.safeParse({ [name]: entry }, { reportInput: true });
      if (r.success) Object.assign(services, r.data);
      else errors.push(...zodIssuesToErrors(parsed, r.error.issues, ServiceCatalog));
    }
  }
  return { file: catalog, services, usable, errors };
}

/** A service scope must name a service of the catalog. */
function checkServiceScope(loaded: LoadedPack, catalog: CatalogRead, validation: PackValidation): LoadedPack {
  const scope = loaded.valid ? loaded.pack.scope : loaded.scope;
  if (scope?.type !== 'service' || scope.ref === undefined || Object.hasOwn(catalog.services, scope.ref)) return loaded;
  const names = Object.keys(catalog.services).sort();
  const why = !catalog.file
    ? `no service catalog (services.yml) in the packs folder`
    : !catalog.usable
      ? `${catalog.file.path} has errors`
      : `known services: ${names.join(', ') || 'none'}`;
  const error: PackError = {
    file: loaded.file,
    ...validation.parsed.locate(['scope', 'ref']),
    message: `scope.ref: unknown service "${scope.ref}" (${why})`,
  };
  return withErrors(loaded, [error]);
}

/** Duplicate pack ids: every copy becomes invalid, each naming the others. */
function markDuplicateIds(loaded: readonly LoadedPack[], validations: readonly PackValidation[]): LoadedPack[] {
  const packs = [...loaded];
  const byId = new Map<string, number[]>();
  packs.forEach((p, i) => {
    const id = p.valid ? p.pack.id : p.id;
    if (id === undefined) return;
    byId.set(id, [...(byId.get(id) ?? []), i]);
  });
  for (const [id, indexes] of byId) {
    if (indexes.length < 2) continue;
    for (const i of indexes) {
      const others = indexes.filter((j) => j !== i).map((j) => packs[j]!.file);
      const error: PackError = {
        file: packs[i]!.file,
        ...validations[i]!.parsed.locate(['id']),
        message: `duplicate pack id "${id}": also declared in ${others.join(', ')}`,
      };
      packs[i] = withErrors(packs[i]!, [error]);
    }
  }
  return packs;
}

/** Every error of a set: set-level first, then each pack's, in file order. */
export function allErrors(set: PackSet): PackError[] {
  return sortErrors([...set.errors, ...set.packs.flatMap((p) => (p.valid ? [] : p.errors))]);
}

function sizeOption(f: PackFile): { size?: number } {
  return f.size === undefined ? {} : { size: f.size };
}
