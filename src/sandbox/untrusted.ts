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
import type { Op, SpecOpsReader } from '../drift/detectors/api-reference.js';
import { docFromOutline, type DocOutline, type DocProblem, type MarkdownDoc } from '../drift/markdown.js';
import { parseDeadlineExceeded } from '../metrics.js';
import { ParsePool } from './pool.js';
import { toWire, type WireFile } from './protocol.js';

export interface Untrusted {
  openapi: OpenApiEngine;
  /** Validates the packs of a config-repo commit (a PR's head may be anyone's). */
  packs(files: PackFile[], sha?: string): Promise<PackSet>;
  /**
   * A doc Track B reads, parsed in a worker within the deadline — the only parse of it: the
   * doc (built here from the worker's outline) or why it is not Markdown; past the deadline,
   * why it will not be read.
   */
  markdown(path: string, text: string, maxBytes?: number): Promise<ParsedDoc>;
  /** A spec Track B's api_reference reads, parsed in a worker within the deadline (past it: TooComplexError). */
  specOps: SpecOpsReader;
  close(): Promise<void>;
}

/** The built worker: beside this file in dist/; from the sources (vitest), the build's copy. */
export type ParsedDoc = { doc: MarkdownDoc | DocProblem } | { unavailable: string };

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
    async diff(base, head, o) {
      const { readBase, readHead, ...rest } = o;
      const [b, h] = [await toWire(base), await toWire(head)];
      return pool.run(
        { kind: 'diff', base: b, head: h, options: { ...rest, canReadBase: readBase !== undefined, canReadHead: readHead !== undefined } },
        { file: head.path, read: (side, path) => (side === 'base' ? readBase : readHead)?.(path) ?? Promise.resolve(undefined) },
        buffers(b, h),
      );
    },
    async fileSet(main, o) {
      const m = await toWire(main);
      return pool.run(
        { kind: 'fileSet', main: m, maxBytes: o.maxBytes, canRead: o.read !== undefined },
        { file: main.path, read: (_side, path) => o.read?.(path) ?? Promise.resolve(undefined) },
        buffers(m),
      );
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
    async markdown(path, text, maxBytes) {
      const doc = await toWire({ path, content: text });
      try {
        const outline = await pool.run<DocOutline | DocProblem>({ kind: 'markdown', doc, ...(maxBytes !== undefined ? { maxBytes } : {}) }, { file: path }, buffers(doc));
        return { doc: docFromOutline(path, text, outline) };
      } catch (error) {
        if (!(error instanceof TooComplexError)) throw error;
        return { unavailable: `${error.message} (PJ_PARSE_DEADLINE_MS), so it was not read` };
      }
    },
    async specOps(spec, read) {
      const m = await toWire(spec);
      return pool.run<Op[]>({ kind: 'specOps', main: m, canRead: true }, { file: spec.path, read: (_side, path) => read(path) }, buffers(m));
    },
    close: () => pool.close(),
  };
}

/** The distinct buffers to move (small Buffers may share Node's pool: those are copied instead). */
function buffers(...files: WireFile[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const f of files) {
    const buf = f.bytes.buffer as ArrayBuffer;
    if (f.bytes.byteOffset === 0 && f.bytes.byteLength === buf.byteLength) out.add(buf);
  }
  return [...out];
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
