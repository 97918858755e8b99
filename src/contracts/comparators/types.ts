// The comparator interface: a type name, a strict config schema (pack validation uses
// it), and a run over the PR facts. Comparators see the PR only through ChangeSet.
import type { ZodType } from 'zod';
import type { ChangeSet, ChangedFile } from '../../change/changeset.js';
import type { Comparator as ComparatorEntry, Severity } from '../../packs/schema.js';
import type { ValidPack } from '../../packs/types.js';
import type { Finding } from '../findings.js';

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
}

export interface ComparatorImpl {
  readonly type: string;
  readonly configSchema: ZodType;
  /** Severity when the pack's entry names none. */
  readonly defaultSeverity: Severity;
  run(ctx: ComparatorContext): Promise<Finding[]>;
}
