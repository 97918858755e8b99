// The comparator interface: a type name, a strict config schema (pack validation uses
// it), and a run over the PR facts. Comparators see the PR only through ChangeSet.
import type { ZodType } from 'zod';
import type { ChangeSet, ChangedFile } from '../../change/changeset.js';
import type { Comparator as ComparatorEntry, Severity } from '../../packs/schema.js';
import type { ValidPack } from '../../packs/types.js';
import type { Finding } from '../findings.js';
import type { DiffOptions, OpenApiDiffResult, SpecFile } from '../openapi/index.js';
import type { LoadOptions } from '../openapi/refs.js';

/**
 * How the OpenAPI comparators parse and compare specs: a port, so that the app can run the
 * engine over untrusted PR specs off its event loop with a deadline (src/sandbox/), while
 * `pj check`, `pj diff` and the tests use the engine in-process (openapi-shared.ts
 * IN_PROCESS_OPENAPI, the default). An implementation that gives up on a document throws
 * TooComplexError; a spec that does not parse is a SpecParseError either way.
 */
export interface OpenApiEngine {
  diff(base: SpecFile, head: SpecFile, options: DiffOptions): Promise<OpenApiDiffResult>;
  /** The repo paths of the spec and every file its $refs reach (the spec's file set). */
  fileSet(main: SpecFile, options: LoadOptions): Promise<string[]>;
}

/** A document that could not be parsed and compared within the deadline: a fail-closed finding, never a pass. */
export class TooComplexError extends Error {
  readonly file: string;
  readonly deadlineMs: number;

  constructor(file: string, deadlineMs: number, verb = 'compare') {
    super(`${file}: too complex to ${verb} within ${formatSeconds(deadlineMs)}`);
    this.name = 'TooComplexError';
    this.file = file;
    this.deadlineMs = deadlineMs;
  }
}

/** 20000 → "20 s", 2500 → "2.5 s", 25 → "25 ms". */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

export interface ComparatorContext {
  changes: ChangeSet;
  /** changes.files(), read once per evaluation. */
  files: ChangedFile[];
  pack: ValidPack;
  /** The pack's entry for this comparator; `config` already parsed by the comparator's schema. */
  comparator: ComparatorEntry;
  now: Date;
  /** Per-evaluation memo shared by comparators (e.g. one OpenAPI diff serves diff and version_bump). */
  memo?: Map<string, Promise<unknown>>;
  /** The OpenAPI engine (default: in-process). */
  openapi?: OpenApiEngine;
}

export interface ComparatorImpl {
  readonly type: string;
  readonly configSchema: ZodType;
  /** Severity when the pack's entry names none. */
  readonly defaultSeverity: Severity;
  run(ctx: ComparatorContext): Promise<Finding[]>;
}
