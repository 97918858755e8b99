// Property: applying a detector's patches and running the detector again on the patched
// doc (same change) yields no item with a patch — the fix is a fixed point.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatches } from '../../src/drift/item.js';
import { API_DOC, change, detect } from './helpers.js';

const scriptName = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(:[a-z0-9]{1,4})?$/);
const envName = fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}$/).map((s) => `APP_${s}`);

async function fixedPoint(c: ReturnType<typeof change>, doc: string, types: Parameters<typeof detect>[2], target = API_DOC) {
  const first = await detect(c, doc, types, target);
  const patched = first.items.filter((i) => i.patch);
  const { text, conflicts } = applyPatches(doc, patched.map((i) => i.patch!));
  expect(conflicts).toEqual([]);
  const second = await detect(c, text, types, target);
  expect(second.items.filter((i) => i.patch).map((i) => i.rule)).toEqual([]);
  // Flagged items (no patch) are still there: nothing fixed them.
  expect(second.items.filter((i) => !i.patch).map((i) => i.fingerprint).sort()).toEqual(first.items.filter((i) => !i.patch).map((i) => i.fingerprint).sort());
  return { first, text };
}

describe('patches are fixed points', () => {
  it('instruction: renamed and removed scripts in code spans and fenced blocks', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(scriptName, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        fc.array(fc.constantFrom('rename', 'remove', 'keep'), { minLength: 6, maxLength: 6 }),
        fc.array(fc.constantFrom('inline', 'fenced', 'yarn'), { minLength: 12, maxLength: 12 }),
        async (names, picks, fates, forms) => {
          const base: Record<string, string> = {};
          const head: Record<string, string> = {};
          names.forEach((n, i) => {
            base[n] = `cmd-${i}`;
            if (fates[i] === 'rename') head[`new${i}-${n.replace(':', '')}`] = `cmd-${i}`;
            else if (fates[i] === 'keep') head[n] = `cmd-${i}`;
          });
          const lines = picks.map((p, j) => {
            const n = names[p % names.length]!;
            return forms[j] === 'inline' ? `- run \`npm run ${n}\` now` : forms[j] === 'yarn' ? `- or \`yarn ${n}\`` : `\n\`\`\`sh\nnpm run ${n} -- --verbose\n\`\`\`\n`;
          });
          const doc = `# Runbook\n\n## Deployment Steps\n\n${lines.join('\n')}\n`;
          const c = change({ 'package.json': JSON.stringify({ scripts: base }) }, { 'package.json': JSON.stringify({ scripts: head }) });
          const { first } = await fixedPoint(c, doc, [{ type: 'instruction', sectionTarget: 'Deployment Steps' }]);
          const renamed = names.filter((_, i) => fates[i] === 'rename' && picks.some((p) => names[p % names.length] === names[i]));
          expect(first.items.filter((i) => i.rule === 'instruction.script-renamed').map((i) => i.subject).sort()).toEqual(renamed.sort());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('env_var: added, gone and renamed variables against a table', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(envName, { minLength: 1, maxLength: 8 }), fc.array(fc.constantFrom('base', 'head', 'both'), { minLength: 8, maxLength: 8 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), async (names, sides, documented) => {
        const read = (side: 'base' | 'head') => names.filter((_, i) => sides[i] === side || sides[i] === 'both').map((n) => `const x${n} = process.env.${n};`).join('\n');
        const rows = names.filter((_, i) => documented[i]).map((n) => `| \`${n}\` | something |`);
        const doc = `# Svc\n\n## Configuration\n\n| Variable | Meaning |\n| --- | --- |\n${rows.join('\n')}${rows.length ? '\n' : ''}\n## Other\n\ntext\n`;
        const c = change({ 'src/env.ts': read('base') }, { 'src/env.ts': read('head') });
        const { text } = await fixedPoint(c, doc, [{ type: 'env_var', config: { prefixes: ['APP_'] } }]);
        // Every variable this change starts to read is documented afterwards.
        for (const [i, n] of names.entries()) if (sides[i] === 'head') expect(text).toContain(`\`${n}\``);
      }),
      { numRuns: 60 },
    );
  });

  it('api_reference: the regenerated section', async () => {
    const op = fc.record({ path: fc.constantFrom('/a', '/a/{id}', '/b', '/b/{id}/c', '/d'), method: fc.constantFrom('get', 'post', 'delete'), code: fc.constantFrom('200', '201', '404') });
    const spec = (ops: Array<{ path: string; method: string; code: string }>) => {
      const byPath = new Map<string, string[]>();
      for (const o of ops) {
        const list = byPath.get(o.path) ?? [];
        if (!list.some((l) => l.startsWith(`    ${o.method}:`))) list.push(`    ${o.method}:\n      responses:\n        '${o.code}':\n          description: d${o.code}`);
        byPath.set(o.path, list);
      }
      return `openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n${[...byPath].map(([p, l]) => `  ${p}:\n${l.join('\n')}`).join('\n') || '  {}'}\n`.replace('paths:\n  {}', 'paths: {}');
    };
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 6 }), fc.array(op, { maxLength: 6 }), async (b, h) => {
        const doc = '# API\n\n## Reference\n\n<!-- puddlejumper:api-reference spec=openapi.yaml -->\nold\n<!-- /puddlejumper:api-reference -->\n\n## Notes\n';
        const c = change({ 'openapi.yaml': spec(b) }, { 'openapi.yaml': `${spec(h)}# changed\n` });
        await fixedPoint(c, doc, [{ type: 'api_reference' }]);
      }),
      { numRuns: 40 },
    );
  });

  it('owner: replaced owners', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/), { minLength: 2, maxLength: 6 }), fc.nat(), async (people, k) => {
        const i = k % (people.length - 1);
        const gone = people[i]!;
        const successor = `${people[i + 1]!}x`;
        const c = change({ CODEOWNERS: `* @${gone}\n/x/ @${people[i + 1]}\n` }, { CODEOWNERS: `* @${successor}\n/x/ @${people[i + 1]}\n` });
        const doc = `# Svc\n\n## Owners\n\n${people.map((p) => `- @${p}`).join('\n')}\n`;
        const { first } = await fixedPoint(c, doc, [{ type: 'owner' }]);
        expect(first.items.map((x) => x.rule)).toEqual(['owner.replaced']);
      }),
      { numRuns: 40 },
    );
  });
});
