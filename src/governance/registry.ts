// The dispatcher registry: which kinds exist, who sends them, and how they are retried.
import type { ActionRecord, PackOrigin } from './action.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';

export interface DispatchContext<P = unknown> {
  action: ActionRecord;
  payload: P;
  /** Reads the result of the latest dispatched revision of the same key, if any (e.g. a comment id). */
  previousResult(): Promise<Record<string, unknown> | null>;
  /**
   * Aborted when the pipeline gives up waiting for this attempt (its dispatch timeout), so
   * the attempt stops instead of running on beside its retry. Pass it to every request
   * (`request: { signal }` for Octokit, `signal` for fetch). Always set by the pipeline.
   */
  signal?: AbortSignal;
}

/** What a dispatcher returns is stored as the action's result (ids, numbers, timestamps). */
export type DispatchResult = Record<string, unknown>;

export interface Dispatcher<P = unknown> {
  readonly kind: string;
  /**
   * Fail-closed check at judgement time: returns a reason to deny (an invalid payload,
   * a routing target without credentials) or undefined. Must be pure and not throw.
   */
  validate?(payload: unknown, origin: PackOrigin | undefined): string | undefined;
  /**
   * Performs the effect idempotently: a second call for the same action (after a crash
   * or a lost result) must find what the first one made and update it, not duplicate it.
   * Throws on failure; the pipeline classifies the error and retries or fails.
   */
  dispatch(ctx: DispatchContext<P>): Promise<DispatchResult>;
}

export interface Registration {
  dispatcher: Dispatcher;
  retryPolicy: RetryPolicy;
}

export class DispatcherRegistry {
  private readonly entries = new Map<string, Registration>();

  register<P>(dispatcher: Dispatcher<P>, retryPolicy: RetryPolicy = DEFAULT_RETRY_POLICY): this {
    if (this.entries.has(dispatcher.kind)) throw new Error(`a dispatcher for ${dispatcher.kind} is already registered`);
    if (retryPolicy.maxAttempts < 1) throw new Error('maxAttempts must be at least 1');
    this.entries.set(dispatcher.kind, { dispatcher: dispatcher as Dispatcher, retryPolicy });
    return this;
  }

  get(kind: string): Registration | undefined {
    return this.entries.get(kind);
  }

  has(kind: string): boolean {
    return this.entries.has(kind);
  }

  kinds(): string[] {
    return [...this.entries.keys()];
  }
}
