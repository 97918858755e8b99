// `pj migrate`: legacy ContractPack / DriftPlan exports -> unified pack YAML files, and
// `pj migrate --rollback` back. Exit 0 done, 1 done with invalid packs (or refused), 2 usage.
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultKnownTypes } from '../usecases/known-types.js';
import {
  fromContractPack,
  fromDriftPlan,
  toContractPack,
  toDriftPlan,
  type LegacyContractPack,
  type LegacyDriftPlan,
  type LegacyExport,
} from '../packs/legacy.js';
import { isServiceCatalog } from '../packs/load-set.js';
import { readPackFiles } from './local-packs.js';
import { parseYamlFile, zodIssuesToErrors } from '../packs/parse.js';
import { renderPackYaml } from '../packs/render.js';
import { Pack, type PackInput } from '../packs/schema.js';
import type { KnownTypes, PackError } from '../packs/types.js';
import { validatePackFile } from '../packs/validate.js';
import type { CliIo } from './validate.js';

export const MIGRATE_USAGE = `Usage: pj migrate --contract-packs F.json --drift-plans G.json --out DIR [--force] [--schema REF]
       pj migrate --rollback DIR --out F.json [--workspace-id ID]

Turns exports of the legacy ContractPack and DriftPlan models (JSON arrays of records,
or {"contractPacks": [...], "driftPlans": [...]}) into unified policy-pack YAML, one file
per record. Fields with no home in the unified model are kept in each pack's \`legacy\`
block, so --rollback gives the old records back unchanged.

  --contract-packs FILE   ContractPack export (Track A)
  --drift-plans FILE      DriftPlan export (Track B)
  --out PATH              folder for the packs; with --rollback, the JSON file to write
  --force                 overwrite existing pack files
  --schema REF            $schema reference for the yaml-language-server line
                          (default: the relative path to policy-pack.schema.json: a copy in
                          the output folder, else policy-packs/ in the cwd, else pj's own)
  --rollback DIR          read the packs in DIR and write {"contractPacks", "driftPlans"}
  --workspace-id ID       workspaceId for packs that never were legacy records (rollback)
  -h, --help              this help

Exit code: 0 done, 1 some packs invalid or files refused, 2 usage or unreadable input.`;

export async function runMigrate(argv: string[], io: CliIo, known: KnownTypes = defaultKnownTypes()): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        'contract-packs': { type: 'string' },
        'drift-plans': { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        schema: { type: 'string' },
        rollback: { type: 'string' },
        'workspace-id': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.err(`pj migrate: ${(error as Error).message}\n\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.out(`${MIGRATE_USAGE}\n`);
    return 0;
  }
  const out = values.out as string | undefined;
  if (!out) {
    io.err(`pj migrate: --out is required\n\n${MIGRATE_USAGE}\n`);
    return 2;
  }
  if (typeof values.rollback === 'string') {
    if (values['contract-packs'] || values['drift-plans']) {
      io.err('pj migrate: --rollback does not take --contract-packs or --drift-plans\n');
      return 2;
    }
    return rollback(resolve(io.cwd, values.rollback), resolve(io.cwd, out), io, values['workspace-id'] as string | undefined);
  }
  const cpFile = values['contract-packs'] as string | undefined;
  const dpFile = values['drift-plans'] as string | undefined;
  if (!cpFile && !dpFile) {
    io.err(`pj migrate: give --contract-packs and/or --drift-plans (or --rollback DIR)\n\n${MIGRATE_USAGE}\n`);
    return 2;
  }

  let contractPacks: LegacyContractPack[] = [];
  let driftPlans: LegacyDriftPlan[] = [];
  try {
    if (cpFile) contractPacks = await readExport(resolve(io.cwd, cpFile), 'contractPacks');
    if (dpFile) driftPlans = await readExport(resolve(io.cwd, dpFile), 'driftPlans');
  } catch (error) {
    io.err(`pj migrate: ${(error as Error).message}\n`);
    return 2;
  }

  const outDir = resolve(io.cwd, out);
  await mkdir(outDir, { recursive: true });
  const schemaRef = (values.schema as string | undefined) ?? defaultSchemaRef(outDir, io.cwd);
  const taken = new Set<string>();
  const jobs: Array<{ pack: PackInput; header: string[] }> = [
    ...contractPacks.map((cp) => ({
      pack: fromContractPack(cp, { takenIds: taken }),
      header: [`Migrated by \`pj migrate\` from ContractPack ${cp.id} (${oneLine(cp.name)}).`],
    })),
    ...driftPlans.map((dp) => ({
      pack: fromDriftPlan(dp, { takenIds: taken }),
      header: [`Migrated by \`pj migrate\` from DriftPlan ${dp.id} (${oneLine(dp.name)}).`],
    })),
  ];

  let failed = 0;
  const services = new Set<string>();
  for (const { pack, header } of jobs) {
    const file = join(outDir, `${pack.id}.yml`);
    const shown = display(io.cwd, file);
    if (existsSync(file) && !values.force) {
      io.err(`${shown}: exists; not overwritten (use --force)\n`);
      failed++;
      continue;
    }
    const text = renderPackYaml(pack, { schemaRef, header });
    await writeFile(file, text);
    const loaded = validatePackFile(shown, text, known);
    if (loaded.valid) {
      io.out(`wrote ${shown}\n`);
      if (loaded.pack.scope.type === 'service' && loaded.pack.scope.ref) services.add(loaded.pack.scope.ref);
    } else {
      failed++;
      io.out(`wrote ${shown} (invalid: fix before committing)\n`);
      for (const e of loaded.errors) io.out(`${e.file}:${e.line}:${e.column} ${e.message}\n`);
    }
  }
  if (services.size > 0) {
    io.err(`note: service scopes need entries in services.yml next to the packs: ${[...services].sort().join(', ')}\n`);
  }
  io.err(`${jobs.length} record${jobs.length === 1 ? '' : 's'} migrated to ${display(io.cwd, outDir)}${failed ? `; ${failed} need attention` : ''}\n`);
  return failed > 0 ? 1 : 0;
}

async function rollback(dir: string, outFile: string, io: CliIo, workspaceId: string | undefined): Promise<number> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error();
  } catch {
    io.err(`pj migrate: ${display(io.cwd, dir)} is not a folder\n`);
    return 2;
  }
  const files = (await readPackFiles(dir, io.cwd)).filter((f) => !isServiceCatalog(f.path));
  const result: LegacyExport = { contractPacks: [], driftPlans: [] };
  const errors: PackError[] = [];
  for (const f of files) {
    // Schema only: a pack whose comparator types are unknown to this build still rolls back.
    const parsed = parseYamlFile(f.path, f.text, f.size === undefined ? {} : { size: f.size });
    const r = parsed.errors.length === 0 ? Pack.safeParse(parsed.data, { reportInput: true }) : undefined;
    if (!r?.success) {
      errors.push(...parsed.errors, ...(r ? zodIssuesToErrors(parsed, r.error.issues, Pack) : []));
      continue;
    }
    const options = workspaceId === undefined ? {} : { workspaceId };
    const cp = toContractPack(r.data, options);
    const dp = toDriftPlan(r.data, options);
    if (cp) result.contractPacks.push(cp);
    if (dp) result.driftPlans.push(dp);
  }
  if (errors.length > 0) {
    for (const e of errors) io.out(`${e.file}:${e.line}:${e.column} ${e.message}\n`);
    io.err(`pj migrate: ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing written\n`);
    return 1;
  }
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
  io.out(`wrote ${display(io.cwd, outFile)}: ${result.contractPacks.length} contract packs, ${result.driftPlans.length} drift plans\n`);
  return 0;
}

async function readExport<K extends keyof LegacyExport>(file: string, key: K): Promise<LegacyExport[K]> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  const list = Array.isArray(data) ? data : data && typeof data === 'object' ? (data as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON array of records or an object with "${key}"`);
  list.forEach((r, i) => {
    if (!r || typeof r !== 'object' || typeof (r as { name?: unknown }).name !== 'string' || typeof (r as { id?: unknown }).id !== 'string') {
      throw new Error(`${file}: record ${i} has no string "id" and "name"`);
    }
  });
  return list as LegacyExport[K];
}

const SCHEMA_FILE = 'policy-pack.schema.json';

/**
 * Relative path from the output folder to an existing schema file: a copy next to the
 * packs, else the cwd's policy-packs/ copy, else the one shipped with pj (found by walking
 * up from this module, which runs from src/cli or dist/src/cli).
 */
export function defaultSchemaRef(outDir: string, cwd: string, moduleDir: string = dirname(fileURLToPath(import.meta.url))): string {
  const candidates = [join(outDir, SCHEMA_FILE), join(cwd, 'policy-packs', SCHEMA_FILE)];
  for (let dir = moduleDir, i = 0; i < 6; i++, dir = dirname(dir)) candidates.push(join(dir, 'policy-packs', SCHEMA_FILE));
  const target = candidates.find((c) => existsSync(c)) ?? join(cwd, 'policy-packs', SCHEMA_FILE);
  const ref = relative(outDir, target).split(sep).join('/');
  return ref.startsWith('.') ? ref : `./${ref}`;
}

function display(cwd: string, path: string): string {
  const rel = relative(cwd, path).split(sep).join('/');
  return rel === '' ? '.' : rel.startsWith('../') || rel === '..' ? path : rel;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').slice(0, 80);
}
