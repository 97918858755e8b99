// `pj validate [DIR]`: validates a policy-packs folder the way the config-repo check does,
// printing each error as `file:line:col message`. Exit 0 valid, 1 errors, 2 usage.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultKnownTypes } from '../usecases/known-types.js';
import { allErrors, loadPackSet } from '../packs/load-set.js';
import { readPackFiles } from './local-packs.js';
import type { KnownTypes } from '../packs/types.js';

export interface CliIo {
  /** Writes to stdout; the text carries its own newlines. */
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

export const VALIDATE_USAGE = `Usage: pj validate [DIR] [--format text|json]

Validates the policy packs in DIR (default: policy-packs): YAML syntax, the pack schema,
comparator and drift-type configs, approval tiers, service scopes against services.yml,
duplicate pack ids. Prints each error as "file:line:col message".

  --format FORMAT   text (default) or json
  -h, --help        this help

Exit code: 0 all packs valid, 1 errors found, 2 usage error.`;

export async function runValidate(argv: string[], io: CliIo, known: KnownTypes = defaultKnownTypes()): Promise<number> {
  let values: { format?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    io.err(`pj validate: ${(error as Error).message}\n\n${VALIDATE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${VALIDATE_USAGE}\n`);
    return 0;
  }
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    io.err(`pj validate: unknown --format "${format}" (text or json)\n`);
    return 2;
  }
  if (positionals.length > 1) {
    io.err(`pj validate: expected at most one folder, got ${positionals.length}\n\n${VALIDATE_USAGE}\n`);
    return 2;
  }
  const dirArg = positionals[0] ?? 'policy-packs';
  const dir = resolve(io.cwd, dirArg);
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
  } catch {
    io.err(`pj validate: ${dirArg} is not a folder\n`);
    return 2;
  }

  const set = loadPackSet(await readPackFiles(dir, io.cwd), known);
  const errors = allErrors(set);
  const valid = set.packs.filter((p) => p.valid).length;

  if (format === 'json') {
    const report = {
      valid: errors.length === 0,
      packs: set.packs.map((p) =>
        p.valid
          ? { file: p.file, id: p.pack.id, valid: true, status: p.pack.status, versionHash: p.versionHash }
          : { file: p.file, id: p.id ?? null, valid: false, errors: p.errors.length },
      ),
      services: Object.keys(set.services),
      errors,
    };
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return errors.length === 0 ? 0 : 1;
  }

  for (const e of errors) io.out(`${e.file}:${e.line}:${e.column} ${e.message}\n`);
  if (errors.length > 0) {
    io.err(
      `${errors.length} error${errors.length === 1 ? '' : 's'}; ${set.packs.length - valid} of ${set.packs.length} pack${set.packs.length === 1 ? '' : 's'} invalid\n`,
    );
    return 1;
  }
  if (set.packs.length === 0) io.out(`no policy packs in ${dirArg}\n`);
  else io.out(`${set.packs.length} pack${set.packs.length === 1 ? '' : 's'} valid: ${set.packs.map((p) => (p.valid ? p.pack.id : p.file)).join(', ')}\n`);
  return 0;
}
