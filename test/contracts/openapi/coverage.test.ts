// docs/openapi-rules.md is generated from the code; it must not drift, and what the engine
// reports must be listed as implemented.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { implementedIds, renderRulesTable, ruleCoverage } from '../../../src/contracts/openapi/coverage.js';
import { diffFixture } from './helpers.js';

const DOC = fileURLToPath(new URL('../../../docs/openapi-rules.md', import.meta.url));

describe('docs/openapi-rules.md', () => {
  it('is the table the code generates', () => {
    const generated = renderRulesTable();
    if (process.env['PJ_WRITE_DOCS'] === '1') writeFileSync(DOC, generated);
    expect(readFileSync(DOC, 'utf8'), 'regenerate with PJ_WRITE_DOCS=1 npx vitest run test/contracts/openapi/coverage.test.ts').toBe(generated);
  });

  it('lists every catalogue id once, each with a status', () => {
    const rows = ruleCoverage();
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(500);
    for (const row of rows) expect(['implemented', 'not applicable', 'not yet']).toContain(row.status);
  });

  it('marks as implemented every id the fixtures produce', async () => {
    const implemented = implementedIds();
    const families = ['paths', 'parameters', 'request-bodies', 'responses', 'security', 'lifecycle', 'recursive', 'openapi-31', 'collisions', 'keywords', 'stability'];
    const seen = new Set<string>();
    for (const family of families) {
      const { changes } = await diffFixture(family);
      for (const change of changes) seen.add(change.id);
    }
    expect(seen.size).toBeGreaterThan(40);
    expect([...seen].filter((id) => !implemented.has(id))).toEqual([]);
  });
});
