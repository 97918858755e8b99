// The messages between the parse pool (pool.ts) and its workers (worker.ts).
import type { DiffOptions, SpecFile } from '../contracts/openapi/index.js';
import type { PackFile } from '../packs/load-set.js';

/** DiffOptions without the read callbacks (the worker asks for files by message). */
export type WorkerDiffOptions = Omit<DiffOptions, 'readBase' | 'readHead'> & { canReadBase: boolean; canReadHead: boolean };

export type TaskRequest =
  | { kind: 'diff'; base: SpecFile; head: SpecFile; options: WorkerDiffOptions }
  | { kind: 'fileSet'; main: SpecFile; maxBytes: number; canRead: boolean }
  | { kind: 'packs'; files: PackFile[]; sha?: string };

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
