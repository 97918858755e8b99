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

export function loadPackSet(files: ReadonlyArray<PackFile>, known: KnownTypes, sha?: string): PackSet {
  const yamlFiles = files.filter((f) => isYamlFile(f.path)).sort((a, b) => a.path.localeCompare(b.path));
  const catalogFiles = yamlFiles.filter((f) => isServiceCatalog(f.path));
  const packFiles = yamlFiles.filter((f) => !isServiceCatalog(f.path));

  // The service catalog: the shallowest services.yml wins; valid entries are kept one by one.
  const setErrors: PackError[] = [];
  const services: ServiceCatalog = {};
  let catalogUsable = true;
  const [catalog, ...extraCatalogs] = [...catalogFiles].sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  for (const extra of extraCatalogs) {
    setErrors.push({ file: extra.path, line: 1, column: 1, message: `a second service catalog; only ${catalog!.path} is read` });
  }
  if (catalog) {
    const parsed = parseYamlFile(catalog.path, catalog.text, sizeOption(catalog));
    setErrors.push(...parsed.errors);
    if (parsed.errors.length > 0) catalogUsable = false;
    const data = parsed.data ?? {};
    if (!isPlainObject(data)) {
      const r = ServiceCatalog.safeParse(data, { reportInput: true });
      if (!r.success) setErrors.push(...zodIssuesToErrors(parsed, r.error.issues, ServiceCatalog));
      catalogUsable = false;
    } else {
      for (const [name, entry] of Object.entries(data)) {
        const r = ServiceCatalog.safeParse({ [name]: entry }, { reportInput: true });
        if (r.success) Object.assign(services, r.data);
        else setErrors.push(...zodIssuesToErrors(parsed, r.error.issues, ServiceCatalog));
      }
    }
  }

  const validations: PackValidation[] = packFiles.map((f) => validatePackDetailed(f.path, f.text, known, sizeOption(f)));
  let packs: LoadedPack[] = validations.map((v) => v.loaded);

  // Service scopes must name a service of the catalog.
  packs = packs.map((loaded, i) => {
    const scope = loaded.valid ? loaded.pack.scope : loaded.scope;
    if (scope?.type !== 'service' || scope.ref === undefined || Object.hasOwn(services, scope.ref)) return loaded;
    const names = Object.keys(services).sort();
    const why = !catalog
      ? `no service catalog (services.yml) in the packs folder`
      : !catalogUsable
        ? `${catalog.path} has errors`
        : `known services: ${names.join(', ') || 'none'}`;
    const error: PackError = {
      file: loaded.file,
      ...validations[i]!.parsed.locate(['scope', 'ref']),
      message: `scope.ref: unknown service "${scope.ref}" (${why})`,
    };
    return withErrors(loaded, [error]);
  });

  // Duplicate pack ids: every copy becomes invalid, each naming the others.
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

  const set: PackSet = { packs, services, errors: sortErrors(setErrors) };
  if (sha !== undefined) set.sha = sha;
  return set;
}

/** Every error of a set: set-level first, then each pack's, in file order. */
export function allErrors(set: PackSet): PackError[] {
  return sortErrors([...set.errors, ...set.packs.flatMap((p) => (p.valid ? [] : p.errors))]);
}

function sizeOption(f: PackFile): { size?: number } {
  return f.size === undefined ? {} : { size: f.size };
}
