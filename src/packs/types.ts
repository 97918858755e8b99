// What the rest of the app sees of the packs an installation has committed.
import type { ZodType } from 'zod';
import type { Pack, Scope, ServiceCatalog } from './schema.js';

/** A located problem in a pack file: shown as `file:line:column message`. */
export interface PackError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ValidPack {
  valid: true;
  file: string;
  pack: Pack;
  /** sha256 of the canonical JSON of the validated pack. */
  versionHash: string;
}

/**
 * A pack that failed validation stays in the loaded set, so that it fails closed
 * on the pull requests it would govern. What could be read of its scope decides
 * which those are; with nothing readable it governs every repo of the installation.
 */
export interface InvalidPack {
  valid: false;
  file: string;
  id?: string;
  scope?: Scope;
  repoAllowlist?: string[];
  pathGlobs?: string[];
  errors: PackError[];
}

export type LoadedPack = ValidPack | InvalidPack;

/**
 * Why a set has no packs because the config itself could not be read: the repo (404: the
 * App is not installed on it, or it does not exist; 409: empty), or its packs folder.
 */
export interface MissingConfig {
  /** `owner/name` of the config repo. */
  repo: string;
  /** Set when the repo was read but has no such folder. */
  folder?: string;
  reason: string;
}

export interface PackSet {
  /** Config-repo commit the set was read at; undefined when read from a local folder. */
  sha?: string;
  /** Set when there is no readable config: no pack applies, and the check says why. */
  missing?: MissingConfig;
  packs: LoadedPack[];
  services: ServiceCatalog;
  /** Errors that belong to no single pack (services.yml, duplicate ids are on the packs themselves). */
  errors: PackError[];
}

/** Config schemas registered by the owners of comparator and drift types. */
export interface KnownTypes {
  comparators: ReadonlyMap<string, ZodType>;
  driftTypes: ReadonlyMap<string, ZodType>;
}
