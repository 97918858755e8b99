// The app's handling of untrusted documents, over the parse pool: the OpenAPI engine port
// the comparators take (contracts/comparators/types.ts OpenApiEngine) and the pack parser
// for packs read from a config-repo commit. Both fail closed: a document past the deadline
// is a TooComplexError (a finding), a pack set past it is every pack invalid, naming the file.
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatSeconds, TooComplexError, type OpenApiEngine } from '../contracts/comparators/types.js';
import { isServiceCatalog, isYamlFile, type PackFile } from '../packs/load-set.js';
import type { LoadedPack, PackSet } from '../packs/types.js';
import { parseDeadlineExceeded } from '../metrics.js';
import { ParsePool } from './pool.js';

export interface Untrusted {
  openapi: OpenApiEngine;
  /** Validates the packs of a config-repo commit (a PR's head may be anyone's). */
  packs(files: PackFile[], sha?: string): Promise<PackSet>;
  close(): Promise<void>;
}

/** The built worker: beside this file in dist/; from the sources (vitest), the build's copy. */
export function workerScript(): URL {
  const here = import.meta.url;
  const script = here.endsWith('.js') ? new URL('./worker.js', here) : new URL('../../dist/src/sandbox/worker.js', here);
  if (!existsSync(fileURLToPath(script))) throw new Error(`the parse worker ${fileURLToPath(script)} is missing: build first (npm run build)`);
  return script;
}

export function untrustedDocuments(options: { deadlineMs: number; size?: number; script?: URL; maxHeapMb?: number }): Untrusted {
  const pool = new ParsePool({
    size: options.size ?? Math.max(1, Math.min(2, cpus().length - 1)),
    deadlineMs: options.deadlineMs,
    script: options.script ?? workerScript(),
    ...(options.maxHeapMb !== undefined ? { maxHeapMb: options.maxHeapMb } : {}),
    onDeadline: (kind) => parseDeadlineExceeded.inc({ kind }),
  });
  const openapi: OpenApiEngine = {
    diff(base, head, o) {
      const { readBase, readHead, ...rest } = o;
      return pool.run(
        { kind: 'diff', base, head, options: { ...rest, canReadBase: readBase !== undefined, canReadHead: readHead !== undefined } },
        { file: head.path, read: (side, path) => (side === 'base' ? readBase : readHead)?.(path) ?? Promise.resolve(undefined) },
      );
    },
    fileSet(main, o) {
      return pool.run({ kind: 'fileSet', main, maxBytes: o.maxBytes, canRead: o.read !== undefined }, { file: main.path, read: (_side, path) => o.read?.(path) ?? Promise.resolve(undefined) });
    },
  };
  return {
    openapi,
    async packs(files, sha) {
      try {
        return await pool.run<PackSet>({ kind: 'packs', files, ...(sha !== undefined ? { sha } : {}) }, { file: files.map((f) => f.path).join(', ') });
      } catch (error) {
        if (!(error instanceof TooComplexError)) throw error;
        return tooComplexSet(files, error, sha);
      }
    },
    close: () => pool.close(),
  };
}

/** Fail closed: every pack of the commit invalid, the file that ran out of time named. */
export function tooComplexSet(files: readonly PackFile[], error: TooComplexError, sha?: string): PackSet {
  const packs: LoadedPack[] = files
    .filter((f) => isYamlFile(f.path) && !isServiceCatalog(f.path))
    .map((f) => ({
      valid: false,
      file: f.path,
      errors: [
        {
          file: f.path,
          line: 1,
          column: 1,
          message:
            f.path === error.file
              ? `too complex to validate within ${formatSeconds(error.deadlineMs)} (PJ_PARSE_DEADLINE_MS): this pack was not read`
              : `not validated: the packs are validated together and ${error.file} was too complex to validate within ${formatSeconds(error.deadlineMs)}`,
        },
      ],
    }));
  const set: PackSet = { packs, services: {}, errors: [] };
  if (sha !== undefined) set.sha = sha;
  return set;
}
