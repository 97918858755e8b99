// Test helpers for Track B: fixture docs, an in-memory change, one detection.
import { readFileSync } from 'node:fs';
import type { ChangedFile } from '../../src/change/changeset.js';
import type { DocTarget } from '../../src/drift/item.js';
import { runDrift } from '../../src/drift/run.js';
import type { DriftType } from '../../src/packs/schema.js';
import { MemoryChangeSet } from '../change/fakes.js';

export function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/drift/${name}`, import.meta.url), 'utf8');
}

export const RUNBOOK: DocTarget = { system: 'github', repo: 'acme/docs', path: 'runbooks/payments.md', class: 'runbook' };
export const API_DOC: DocTarget = { system: 'github', repo: 'acme/docs', path: 'api/pets.md', class: 'api_reference' };

export function change(base: Record<string, string>, head: Record<string, string>, files?: ChangedFile[]): MemoryChangeSet {
  return new MemoryChangeSet({ base, head, ...(files ? { files } : {}) });
}

export async function detect(changes: MemoryChangeSet, docText: string | undefined, driftTypes: Array<Partial<DriftType> & { type: string }>, docTarget: DocTarget = RUNBOOK, noise: { ignorePaths?: string[]; ignorePatterns?: string[] } = {}) {
  return runDrift({
    changes,
    docTarget,
    docText,
    driftTypes: driftTypes.map((t) => ({ enabled: true, config: {}, ...t })),
    noiseControls: { ignorePaths: noise.ignorePaths ?? [], ignorePatterns: noise.ignorePatterns ?? [] },
  });
}

/** The doc lines an item's patch produces, for exact assertions. */
export function lineOf(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  if (at === -1) throw new Error(`"${needle}" not in text`);
  return text.slice(0, at).split('\n').length;
}
