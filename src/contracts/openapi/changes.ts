// The intermediate change record that rule families produce, before positions are
// looked up: locating costs a text scan, so it happens only for changes that survive
// the ignore list.
import type { Pointer } from './pointer.js';
import type { SpecDocument } from './parse.js';
import type { Located } from './refs.js';
import { RULES } from './rules.js';

/** A place in one side's documents. */
export interface At { readonly doc: SpecDocument; readonly pointer: Pointer }

export interface RawChange {
  id: string;
  method?: string;
  path?: string;
  /** What changed, without the endpoint (added when the message is finished). */
  detail: string;
  head: At;
  base?: At;
}

export function at(node: Located | At, ...keys: Array<string | number>): At {
  let pointer = node.pointer;
  for (const key of keys) pointer = pointer.child(key);
  return { doc: node.doc, pointer };
}

/** Collects changes whose id is in the catalogue; other ids are not ours to invent. */
export class ChangeSink {
  readonly changes: RawChange[] = [];

  add(change: RawChange): void {
    if (RULES.has(change.id)) this.changes.push(change);
  }
}

/** Why a change matters to a client, from the catalogue's level and direction. */
export function consequence(id: string): string {
  const rule = RULES.get(id);
  if (!rule || rule.level === 'INFO') return 'existing clients are not affected';
  const hedge = rule.level === 'WARN' ? 'may' : 'will';
  if (rule.direction === 'request') return `requests that existing clients send ${hedge} now be rejected or misread`;
  if (rule.direction === 'response') return `existing clients ${hedge} receive responses they do not expect`;
  return `existing clients ${hedge} break`;
}

/** Values in messages: short, and JSON-like so strings and numbers are told apart. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}
