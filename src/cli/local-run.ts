// What `pj check` and `pj drift` share: the flags that name a local repository, a range
// and a packs folder, and opening them (the local-git ChangeSet and the pack set).
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GitChangeSet, defaultBaseRef } from '../change/git.js';
import { loadPackSet } from '../packs/load-set.js';
import type { PackSet } from '../packs/types.js';
import { defaultKnownTypes } from '../usecases/known-types.js';
import { readPackFiles } from './local-packs.js';

export type Format = 'text' | 'json' | 'markdown';

export interface LocalIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

/** The parseArgs options of a local run. */
export const LOCAL_RUN_OPTIONS = {
  repo: { type: 'string' },
  base: { type: 'string' },
  head: { type: 'string' },
  packs: { type: 'string' },
  format: { type: 'string' },
  'repo-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface LocalRunFlags {
  repo?: string | undefined;
  base?: string | undefined;
  head?: string | undefined;
  packs?: string | undefined;
  format?: string | undefined;
  'repo-name'?: string | undefined;
}

export interface LocalRun {
  repoDir: string;
  base: string;
  head: string;
  format: Format;
  changes: GitChangeSet;
  packs: PackSet;
}

/** Opens the repository range and the packs, or prints why not and returns the exit code 2. */
export async function openLocalRun(command: string, flags: LocalRunFlags, io: LocalIo, labels: string[] = []): Promise<LocalRun | 2> {
  const fail = (message: string): 2 => {
    io.err(`pj ${command}: ${message}\n`);
    return 2;
  };
  const format = (flags.format ?? 'text') as Format;
  if (!['text', 'json', 'markdown'].includes(format)) return fail(`unknown --format "${flags.format}" (text, json or markdown)`);
  const repoDir = resolve(io.cwd, flags.repo ?? '.');
  const base = flags.base ?? (await defaultBaseRef(repoDir));
  if (!base) return fail(`no base to compare with in ${repoDir} (no origin/HEAD, main or HEAD~1); pass --base REF`);
  const head = flags.head ?? 'HEAD';
  const changes = await GitChangeSet.open({ cwd: repoDir, base, head, labels, ...(flags['repo-name'] ? { repo: flags['repo-name'] } : {}) });
  const packsDir = resolve(io.cwd, flags.packs ?? join(repoDir, 'policy-packs'));
  if (!(await isDirectory(packsDir))) return fail(`no packs folder at ${packsDir}; pass --packs DIR`);
  const packs = loadPackSet(await readPackFiles(packsDir, io.cwd), defaultKnownTypes());
  for (const e of packs.errors) io.err(`${e.file}:${e.line}:${e.column}: ${e.message}\n`);
  return { repoDir, base, head, format, changes, packs };
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
