// What every rule family receives: both sides, the clock value, the sink and the shared
// schema comparer (whose memo spans all operations).
import type { ChangeSink } from './changes.js';
import type { SpecSet } from './refs.js';
import type { SchemaComparer, SchemaChange } from './schema-compare.js';
import type { OperationPair } from './endpoints.js';
import type { SunsetPolicy } from './types.js';

export interface DiffContext {
  readonly base: SpecSet;
  readonly head: SpecSet;
  readonly now: Date;
  /** Minimum notice for newly deprecated elements (sunset-policy.ts). */
  readonly sunsetPolicy: SunsetPolicy;
  readonly sink: ChangeSink;
  readonly schemas: SchemaComparer;
}

/** Reports schema changes of one operation, prefixing where in the operation they are. */
export function reportSchemaChanges(context: DiffContext, pair: OperationPair, where: string, changes: readonly SchemaChange[]): void {
  for (const change of changes) {
    const property = change.propertyPath.length > 0 ? ` property ${formatPropertyPath(change.propertyPath)}:` : ':';
    context.sink.add({
      id: change.id,
      method: pair.method,
      path: pair.head.template,
      detail: `${where}${property} ${change.detail}`,
      head: change.head,
      ...(change.base ? { base: change.base } : {}),
    });
  }
}

function formatPropertyPath(path: readonly string[]): string {
  return path.reduce((text, segment) => (segment === '[]' ? `${text}[]` : text === '' ? segment : `${text}.${segment}`), '');
}

/** Parses x-sunset (a date or RFC 3339 timestamp); undefined when absent, null when unparsable. */
export function sunsetOf(operation: unknown): Date | undefined | null {
  if (operation === null || typeof operation !== 'object') return undefined;
  const raw = (operation as Record<string, unknown>)['x-sunset'];
  if (raw === undefined) return undefined;
  const date = raw instanceof Date ? raw : new Date(String(raw));
  return Number.isNaN(date.getTime()) ? null : date;
}

export function isDeprecated(node: unknown): boolean {
  return node !== null && typeof node === 'object' && (node as Record<string, unknown>)['deprecated'] === true;
}

/** x-stability-level values, least stable first. */
export const STABILITY_LEVELS = ['draft', 'alpha', 'beta', 'stable'] as const;

/** The x-stability-level's rank; undefined when absent, -1 when not one of the levels. */
export function stabilityOf(node: unknown): number | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const raw = (node as Record<string, unknown>)['x-stability-level'];
  if (raw === undefined) return undefined;
  return (STABILITY_LEVELS as readonly unknown[]).indexOf(raw);
}
