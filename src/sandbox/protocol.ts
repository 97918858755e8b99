// The messages between the parse pool (pool.ts) and its workers (worker.ts).
import type { DiffOptions, SpecFile } from '../contracts/openapi/index.js';
import type { PackFile } from '../packs/load-set.js';
import { encodeUtf8 } from '../text-slices.js';

/** DiffOptions without the read callbacks (the worker asks for files by message). */
export type WorkerDiffOptions = Omit<DiffOptions, 'readBase' | 'readHead'> & { canReadBase: boolean; canReadHead: boolean };

/**
 * A document on its way to a worker: its text as UTF-8 bytes whose buffer is transferred, not
 * copied — posting a 20 MB string would clone it on the event loop (a third of a second) — and
 * encoded a slice at a time, for the same reason.
 */
export interface WireFile {
  path: string;
  bytes: Uint8Array;
}

export async function toWire(file: SpecFile): Promise<WireFile> {
  return { path: file.path, bytes: await encodeUtf8(file.content) };
}

export function fromWire(file: WireFile): SpecFile {
  return { path: file.path, content: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength).toString('utf8') };
}

export type TaskRequest =
  | { kind: 'diff'; base: WireFile; head: WireFile; options: WorkerDiffOptions }
  | { kind: 'fileSet'; main: WireFile; maxBytes: number; canRead: boolean }
  | { kind: 'packs'; files: PackFile[]; sha?: string }
  /** A doc Track B reads: parsed here, its outline (drift/markdown.ts DocOutline) or DocProblem sent back. */
  | { kind: 'markdown'; doc: WireFile; maxBytes?: number }
  /** A spec Track B's api_reference reads: its operations sent back (drift/detectors/api-reference.ts Op). */
  | { kind: 'specOps'; main: WireFile; canRead: boolean };

export type ToWorker =
  | { type: 'task'; id: number; request: TaskRequest }
  | { type: 'read'; readId: number; content?: string | undefined; error?: string };

export interface WorkerError {
  name: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'read'; readId: number; side: 'base' | 'head'; path: string }
  | { type: 'progress'; file: string }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: WorkerError };
