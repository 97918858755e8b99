import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitChangeSet, defaultBaseRef, parseNameStatus, repoFullName } from '../../src/change/git.js';

let dir: string;
const g = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pj-git-'));
  g('init', '-q', '-b', 'main');
  g('config', 'user.email', 'dev@example.com');
  g('config', 'user.name', 'Dev Eloper');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src/a.ts'), 'export const a = 1;\n'.repeat(20));
  writeFileSync(join(dir, 'old.md'), 'old\n');
  writeFileSync(join(dir, 'gone.txt'), 'gone\n');
  g('add', '.');
  g('commit', '-qm', 'base');
  g('checkout', '-qb', 'feature');
  writeFileSync(join(dir, 'src/a.ts'), 'export const a = 2;\n'.repeat(20));
  g('mv', 'old.md', 'new.md');
  g('rm', '-q', 'gone.txt');
  writeFileSync(join(dir, 'added file.txt'), 'new\n');
  g('add', '.');
  g('commit', '-qm', 'head');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GitChangeSet', () => {
  it('lists changes like a PR, from the merge base, with renames', async () => {
    const cs = await GitChangeSet.open({ cwd: dir, base: 'main', head: 'HEAD', labels: ['x'] });
    const files = await cs.files();
    expect(files).toEqual(
      expect.arrayContaining([
        { path: 'src/a.ts', status: 'modified' },
        { path: 'new.md', status: 'renamed', previousPath: 'old.md' },
        { path: 'gone.txt', status: 'removed' },
        { path: 'added file.txt', status: 'added' },
      ]),
    );
    expect(files).toHaveLength(4);
    expect(cs.author.login).toBe('Dev Eloper');
    expect(cs.labels).toEqual(['x']);
    expect(cs.repo).toMatch(/^local\/pj-git-/);
  });

  it('reads base and head content, undefined where a file does not exist', async () => {
    const cs = await GitChangeSet.open({ cwd: dir, base: 'main', head: 'feature' });
    expect(await cs.readBase('src/a.ts')).toContain('a = 1');
    expect(await cs.readHead('src/a.ts')).toContain('a = 2');
    expect(await cs.readHead('gone.txt')).toBeUndefined();
    expect(await cs.readBase('added file.txt')).toBeUndefined();
    expect(await cs.readHead('src')).toBeUndefined(); // a tree, not a file
  });

  it('defaults the base to main and reads owner/repo from origin', async () => {
    expect(await defaultBaseRef(dir)).toBe('main');
    g('remote', 'add', 'origin', 'git@github.com:acme/petstore.git');
    expect(await repoFullName(dir)).toBe('acme/petstore');
    g('remote', 'remove', 'origin');
  });

  it('rejects refs that name no commit', async () => {
    await expect(GitChangeSet.open({ cwd: dir, base: 'nope', head: 'HEAD' })).rejects.toThrow(/base "nope"/);
  });

  it('parses name-status -z output', () => {
    expect(parseNameStatus('M\0a\0R087\0b\0c\0C100\0d\0e\0T\0f\0')).toEqual([
      { path: 'a', status: 'modified' },
      { path: 'c', status: 'renamed', previousPath: 'b' },
      { path: 'e', status: 'copied', previousPath: 'd' },
      { path: 'f', status: 'changed' },
    ]);
  });
});
