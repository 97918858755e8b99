// A small pool of worker threads for work on untrusted documents (PR specs, packs from a
// config-repo PR). Each task runs in a worker with a deadline: a document that would take
// minutes costs one worker for at most the deadline — the worker is terminated, replaced,
// and the task rejected with TooComplexError naming the document — and never stalls the
// process's event loop, which keeps answering webhooks and /healthz meanwhile.
//
// Time the worker spends waiting for a file it asked for (a $ref read from GitHub) does not
// count against the deadline: it bounds the parsing and comparing, not the network.
import { Worker } from 'node:worker_threads';
import { TooComplexError } from '../contracts/comparators/types.js';
import { SpecParseError } from '../contracts/openapi/index.js';
import type { FromWorker, ToWorker, TaskRequest } from './protocol.js';

/** What a task that ran out of time was doing, for its message. */
const VERBS: Record<TaskRequest['kind'], string> = { diff: 'compare', fileSet: 'compare', packs: 'validate', markdown: 'parse', specOps: 'parse' };

export interface PoolOptions {
  /** How many documents are parsed at once. */
  size: number;
  /** The deadline of one task, in milliseconds (PJ_PARSE_DEADLINE_MS). */
  deadlineMs: number;
  /** The worker script (worker.ts built to JavaScript). */
  script: URL;
  /** Heap cap of one worker: a hostile document that balloons kills its worker, not the process. */
  maxHeapMb?: number;
  /** Told when a task passed its deadline (a metric). */
  onDeadline?: (kind: TaskRequest['kind']) => void;
}

export interface TaskHooks {
  /** The document the task is about, named in the error when it times out. */
  file: string;
  /** Answers the worker's reads (relative $refs). */
  read?: (side: 'base' | 'head', path: string) => Promise<string | undefined>;
}

interface Task {
  request: TaskRequest;
  /** Buffers moved to the worker with the request (the documents' bytes). */
  transfer: ArrayBuffer[];
  hooks: TaskHooks;
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** The document being worked on now (the worker says so for multi-document tasks). */
  current: string;
}

interface Slot {
  worker: Worker;
  /** The worker loaded its modules (start-up does not count against a task's deadline). */
  ready: boolean;
  task?: Task;
  timer?: NodeJS.Timeout;
  /** Deadline budget left, ms; the clock stops while a read is outstanding. */
  remaining: number;
  startedAt: number;
  reads: number;
}

let nextId = 0;

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    for (let i = 0; i < options.size; i++) this.slots.push(this.spawn());
  }

  /** Runs one task; rejects with TooComplexError when it passes the deadline. */
  run<T>(request: TaskRequest, hooks: TaskHooks, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the parse pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ request, transfer, hooks, resolve: resolve as (v: unknown) => void, reject, current: hooks.file });
      this.pump();
    });
  }

  get deadlineMs(): number {
    return this.options.deadlineMs;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new Error('the parse pool is closed'));
    await Promise.all(
      this.slots.map(async (s) => {
        clearTimeout(s.timer);
        s.task?.reject(new Error('the parse pool is closed'));
        s.task = undefined;
        await s.worker.terminate();
      }),
    );
  }

  private spawn(): Slot {
    const heap = this.options.maxHeapMb ?? 1024;
    const worker = new Worker(this.options.script, { resourceLimits: { maxOldGenerationSizeMb: heap } });
    worker.unref();
    const slot: Slot = { worker, ready: false, remaining: 0, startedAt: 0, reads: 0 };
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    worker.on('error', (err) => this.onDeath(slot, `the parser worker failed: ${err.message}`));
    worker.on('exit', (code) => this.onDeath(slot, `the parser worker exited (code ${code})`));
    return slot;
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.reads = 0;
      slot.remaining = this.options.deadlineMs;
      this.startClock(slot);
      slot.worker.ref();
      slot.worker.postMessage({ type: 'task', id: ++nextId, request: task.request } satisfies ToWorker, task.transfer);
    }
  }

  private startClock(slot: Slot): void {
    slot.startedAt = Date.now();
    slot.timer = setTimeout(() => this.onDeadline(slot), Math.max(0, slot.remaining));
  }

  private stopClock(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.remaining -= Date.now() - slot.startedAt;
  }

  private finish(slot: Slot): Task | undefined {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    const task = slot.task;
    slot.task = undefined;
    slot.worker.unref();
    return task;
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === 'ready') {
      slot.ready = true;
      this.pump();
      return;
    }
    const task = slot.task;
    if (!task) return;
    switch (msg.type) {
      case 'progress':
        task.current = msg.file;
        return;
      case 'read': {
        if (slot.reads++ === 0) this.stopClock(slot);
        const read = task.hooks.read ?? (async () => undefined);
        read(msg.side, msg.path).then(
          (content) => this.answerRead(slot, task, { type: 'read', readId: msg.readId, content }),
          (err: unknown) => this.answerRead(slot, task, { type: 'read', readId: msg.readId, error: (err as Error).message ?? String(err) }),
        );
        return;
      }
      case 'done':
        this.finish(slot)?.resolve(msg.result);
        this.pump();
        return;
      case 'failed': {
        const e = msg.error;
        const error =
          e.name === 'SpecParseError' && e.file !== undefined
            ? Object.assign(new SpecParseError(e.file, e.line ?? 1, e.column ?? 1, ''), { message: e.message })
            : Object.assign(new Error(e.message), { name: e.name });
        this.finish(slot)?.reject(error);
        this.pump();
        return;
      }
    }
  }

  private answerRead(slot: Slot, task: Task, answer: ToWorker): void {
    if (slot.task !== task) return; // timed out or failed meanwhile
    slot.worker.postMessage(answer);
    if (--slot.reads === 0) this.startClock(slot);
  }

  private onDeadline(slot: Slot): void {
    const task = this.finish(slot);
    if (!task) return;
    this.options.onDeadline?.(task.request.kind);
    this.replace(slot);
    task.reject(new TooComplexError(task.current, this.options.deadlineMs, VERBS[task.request.kind]));
    this.pump();
  }

  private onDeath(slot: Slot, reason: string): void {
    if (this.closed || !this.slots.includes(slot)) return;
    const task = this.finish(slot);
    this.replace(slot);
    task?.reject(new Error(`${task.current}: ${reason}`));
    this.pump();
  }

  /** Terminates the slot's worker (it may be spinning) and puts a fresh one in its place. */
  private replace(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i === -1) return;
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    void slot.worker.terminate();
    this.slots[i] = this.spawn();
  }
}
