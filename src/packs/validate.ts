// One pack file -> a LoadedPack: YAML with positions, the zod schema, then the configs of
// each comparator and drift type against the schema their owner registered. An invalid
// pack keeps what could be read of its id and scope, so that it fails closed.
import { z } from 'zod';
import { packVersionHash } from './hash.js';
import { closest, formatPath, parseYamlFile, zodIssuesToErrors, type ParseOptions, type ParsedYaml, type PathSegment } from './parse.js';
import { Pack, PackId, Scope } from './schema.js';
import type { InvalidPack, KnownTypes, LoadedPack, PackError } from './types.js';

export interface PackValidation {
  loaded: LoadedPack;
  parsed: ParsedYaml;
}

export function validatePackFile(file: string, text: string, known: KnownTypes, options?: ParseOptions): LoadedPack {
  return validatePackDetailed(file, text, known, options).loaded;
}

/** Like validatePackFile, and also hands back the parsed document for locating further errors. */
export function validatePackDetailed(file: string, text: string, known: KnownTypes, options?: ParseOptions): PackValidation {
  const parsed = parseYamlFile(file, text, options);
  const errors: PackError[] = [...parsed.errors];
  const data = parsed.data;

  // A YAML-level failure (syntax, duplicate keys, bomb, size) makes the whole file invalid,
  // but the schema still runs on what could be read, so the admin sees every problem at once.
  let pack: Pack | undefined;
  if (data !== undefined || errors.length === 0) {
    const result = Pack.safeParse(data, { reportInput: true });
    if (result.success) pack = result.data;
    else errors.push(...zodIssuesToErrors(parsed, result.error.issues, Pack));
    errors.push(...checkTypedEntries(parsed, ['trackA', 'comparators'], known.comparators, 'comparator'));
    errors.push(...checkTypedEntries(parsed, ['trackB', 'driftTypes'], known.driftTypes, 'drift'));
  }

  if (errors.length === 0 && pack) {
    return { parsed, loaded: { valid: true, file, pack, versionHash: packVersionHash(pack) } };
  }
  return { parsed, loaded: invalidFrom(file, data, sortErrors(dedupe(errors))) };
}

/** Checks each `{type, config}` entry of a list against the registry of its kind. */
function checkTypedEntries(
  parsed: ParsedYaml,
  listPath: readonly PathSegment[],
  registry: ReadonlyMap<string, z.ZodType>,
  kind: 'comparator' | 'drift',
): PackError[] {
  const list = getAt(parsed.data, listPath);
  if (!Array.isArray(list)) return [];
  const errors: PackError[] = [];
  list.forEach((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.type !== 'string' || entry.type.length === 0) return;
    const type = entry.type;
    const schema = registry.get(type);
    if (!schema) {
      const knownTypes = [...registry.keys()].sort();
      const hint = closest(type, knownTypes);
      errors.push({
        file: parsed.file,
        ...parsed.locate([...listPath, i, 'type']),
        message:
          `${formatPath([...listPath, i, 'type'])}: unknown ${kind} type "${type}"` +
          (hint ? ` (did you mean "${hint}"?)` : '') +
          `; known ${kind} types: ${knownTypes.join(', ') || 'none'}`,
      });
      return;
    }
    const config = entry.config ?? {};
    if (!isPlainObject(config)) return; // the pack schema reports the wrong type
    const result = schema.safeParse(config, { reportInput: true });
    if (!result.success) {
      for (const e of zodIssuesToErrors(parsed, result.error.issues, schema, [...listPath, i, 'config'])) {
        errors.push({ ...e, message: `${e.message} (${kind === 'drift' ? 'drift type' : kind} ${type})` });
      }
    }
  });
  return errors;
}

/** Fail closed: keep whatever of id, scope, allowlist and globs is itself valid. */
export function invalidFrom(file: string, data: unknown, errors: PackError[]): InvalidPack {
  const out: InvalidPack = { valid: false, file, errors };
  if (!isPlainObject(data)) return out;
  const id = PackId.safeParse(data.id);
  if (id.success) out.id = id.data;
  const scope = Scope.safeParse(data.scope);
  if (scope.success) out.scope = scope.data;
  const allow = z.array(z.string().min(1)).safeParse(data.repoAllowlist);
  if (allow.success) out.repoAllowlist = allow.data;
  const globs = z.array(z.string().min(1)).safeParse(data.pathGlobs);
  if (globs.success) out.pathGlobs = globs.data;
  return out;
}

/** Turns a loaded pack into an invalid one with extra errors (duplicate ids, unknown services). */
export function withErrors(loaded: LoadedPack, extra: PackError[]): InvalidPack {
  if (!loaded.valid) return { ...loaded, errors: sortErrors(dedupe([...loaded.errors, ...extra])) };
  const { pack } = loaded;
  const out: InvalidPack = { valid: false, file: loaded.file, id: pack.id, scope: pack.scope, errors: sortErrors(extra) };
  if (pack.repoAllowlist) out.repoAllowlist = pack.repoAllowlist;
  if (pack.pathGlobs) out.pathGlobs = pack.pathGlobs;
  return out;
}

export function sortErrors(errors: PackError[]): PackError[] {
  return [...errors].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
}

function dedupe(errors: PackError[]): PackError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.file}:${e.line}:${e.column}:${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function getAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return node;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
