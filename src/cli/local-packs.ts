// Reads a packs folder from the local disk (pj validate, pj check).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { loadPackSet, isYamlFile, type PackFile } from '../packs/load-set.js';
import { MAX_FILE_BYTES } from '../packs/parse.js';
import type { KnownTypes, PackSet } from '../packs/types.js';

/**
 * Every *.yml / *.yaml under `dir` (recursively, skipping dot-folders and node_modules),
 * with paths relative to `base` in POSIX form, as errors should show them.
 */
export async function readPackFiles(dir: string, base: string = process.cwd()): Promise<PackFile[]> {
  const out: PackFile[] = [];
  async function walk(d: string): Promise<void> {
    const entries = await readdir(d, { withFileTypes: true });
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        await walk(full);
      } else if (e.isFile() && isYamlFile(e.name)) {
        const path = relative(base, full).split(sep).join('/') || e.name;
        const { size } = await stat(full);
        if (size > MAX_FILE_BYTES) out.push({ path, text: '', size });
        else out.push({ path, text: await readFile(full, 'utf8') });
      }
    }
  }
  await walk(dir);
  return out;
}

export async function loadLocalPackSet(dir: string, known: KnownTypes, base: string = process.cwd()): Promise<PackSet> {
  return loadPackSet(await readPackFiles(dir, base), known);
}
