// Carrying a remediation's patch onto a doc a person changed since it was computed.
import { describe, expect, it } from 'vitest';
import { applyPatches, makePatch } from '../../src/drift/item.js';
import { rebasePatch } from '../../src/drift/rebase.js';

const OLD = '# Runbook\n\n| Variable | Meaning |\n| --- | --- |\n| `A_URL` | db |\n\n## Deploy\n\nRun `npm run deploy:prod`.\n';

describe('rebasePatch', () => {
  const at = OLD.indexOf('deploy:prod');
  const patch = makePatch('runbook.md', OLD, [{ start: at, end: at + 'deploy:prod'.length, replacement: 'release:prod' }]);

  it('moves the edit past a row a person added above it, and the result is the patched new text', () => {
    const NEW = OLD.replace('| `A_URL` | db |\n', '| `A_URL` | db |\n| `B_TIMEOUT` | timeout |\n');
    const moved = rebasePatch('runbook.md', OLD, NEW, patch)!;
    expect(applyPatches(NEW, [moved]).text).toBe(NEW.replace('deploy:prod', 'release:prod'));
    expect(moved.diff).toContain('+Run `npm run release:prod`.');
  });

  it('gives up where the line it edits was changed, or when the patch is of another text', () => {
    expect(rebasePatch('runbook.md', OLD, OLD.replace('Run `npm run deploy:prod`.', 'Run `npm run deploy:prod` twice.'), patch)).toBeUndefined();
    expect(rebasePatch('runbook.md', `${OLD}\n`, OLD, patch)).toBeUndefined();
    expect(rebasePatch('runbook.md', OLD, OLD, patch)).toBe(patch);
  });
});
