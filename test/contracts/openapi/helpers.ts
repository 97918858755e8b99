import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { openapiDiff, type DiffOptions, type OpenApiChange, type OpenApiDiffResult } from '../../../src/contracts/openapi/index.js';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/openapi/', import.meta.url));
/** Fixed "now" so sunset rules do not depend on the day the tests run. */
export const NOW = new Date('2026-01-01T00:00:00Z');
export const SPEC_PATH = 'openapi/openapi.yaml';

export function fixture(relative: string): string {
  return readFileSync(FIXTURES + relative, 'utf8');
}

export function diffFixture(family: string, options: DiffOptions = {}, extension = 'yaml'): Promise<OpenApiDiffResult> {
  return openapiDiff(
    { path: SPEC_PATH, content: fixture(`${family}/base.${extension}`) },
    { path: SPEC_PATH, content: fixture(`${family}/head.${extension}`) },
    { now: NOW, ...options },
  );
}

/** The single change with this id (and method/path when given); fails the test otherwise. */
export function only(changes: OpenApiChange[], id: string, method?: string, path?: string): OpenApiChange {
  const matching = changes.filter((change) => change.id === id && (method === undefined || change.method === method) && (path === undefined || change.path === path));
  expect(matching.map(describe), `changes with id ${id}; all: ${changes.map(describe).join(', ')}`).toHaveLength(1);
  return matching[0] as OpenApiChange;
}

export function describe(change: OpenApiChange): string {
  return `${change.id} ${change.method ?? '-'} ${change.path ?? '-'} @${change.source.line}`;
}

/** Asserts rule id, method, path and the head line in one go. */
export function expectChange(changes: OpenApiChange[], id: string, method: string | undefined, path: string | undefined, line: number): OpenApiChange {
  const change = only(changes, id, method, path);
  expect(describe(change)).toBe(`${id} ${method ?? '-'} ${path ?? '-'} @${line}`);
  return change;
}
