// The patch GitHub lists for a PR file: a unified diff without the file headers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function githubPatch(base: string, head: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pj-patch-'));
  writeFileSync(join(dir, 'a'), base);
  writeFileSync(join(dir, 'b'), head);
  let diff = '';
  try {
    execFileSync('git', ['diff', '--no-index', '--no-color', '-U3', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  } catch (error) {
    diff = (error as { stdout: string }).stdout; // git diff exits 1 when the files differ
  }
  return diff.slice(diff.indexOf('@@')).replace(/\n$/, '');
}
