// The public data types of the OpenAPI engine. Kept apart from index.ts so internal
// modules can import them without a cycle through the entry point.

export type Level = 'ERR' | 'WARN' | 'INFO';

/** A 1-based position in a repository file. */
export interface SourcePos { file: string; line: number; column: number }

/** A spec file at one side of a PR: its repo-relative path and its text. */
export interface SpecFile { path: string; content: string }

/**
 * A spec file as its UTF-8 bytes, when the caller has them (pj diff reads files): a JSON spec
 * is then decoded straight to compact text (compact-json.ts), anything else as UTF-8.
 */
export interface SpecBytes { path: string; bytes: Uint8Array }

/** Reads another file of the same repo at the same sha (for relative $refs). undefined = missing. Never a URL. */
export type ReadFile = (repoPath: string) => Promise<string | undefined>;

export interface OpenApiChange {
  /** oasdiff rule id from the catalogue. */
  id: string;
  /** After severityOverrides. */
  level: Level;
  /** Upper-case HTTP method. */
  method?: string;
  /** The path template as written in HEAD (or base for removals). */
  path?: string;
  /** Says what changed and why it breaks clients. */
  message: string;
  /** Head position of the changed element; for removals the nearest surviving parent in head. */
  source: SourcePos;
  /** Position in base (always for removals). */
  baseSource?: SourcePos;
}

/** A minimum deprecation period (sunset-policy.ts), by x-stability-level. */
export interface SunsetPolicy {
  /** Days of notice a stable (or unlabelled) element needs between deprecation and sunset. Default 0: none. */
  readonly minDaysStable?: number;
  /** Days of notice a beta element needs. Default 0: none. */
  readonly minDaysBeta?: number;
}

export interface IgnoreEntry { rule?: string; method?: string; path?: string }

export interface DiffOptions {
  severityOverrides?: Record<string, Level>;
  /** All given fields must match; path is matched ignoring path-parameter names. */
  ignore?: IgnoreEntry[];
  readBase?: ReadFile;
  readHead?: ReadFile;
  /** Default 20 MiB. */
  maxBytes?: number;
  /** "Now" for sunset dates; the engine never reads the clock itself. Default new Date(). */
  now?: Date;
  /** Newly deprecated elements must give an x-sunset date this far ahead. Default: no minimum. */
  sunsetPolicy?: SunsetPolicy;
}

export interface OpenApiDiffResult {
  changes: OpenApiChange[];
  baseVersion?: string;
  headVersion?: string;
  /** Where the head spec's info.version is written (or its nearest existing parent), from the parser. */
  headVersionSource?: SourcePos;
}

/** A spec that cannot be read as OpenAPI: syntax, size, document kind, or an unfollowable $ref. */
export class SpecParseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(file: string, line: number, column: number, reason: string) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = 'SpecParseError';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}
