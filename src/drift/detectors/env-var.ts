// `env_var`: the environment variables the code reads, against the doc's env table.
//
// Read by the code: `process.env.X`, `process.env['X']`, `os.environ['X']`,
// `os.environ.get('X')`, `os.getenv('X')`, `System.getenv("X")`, `os.Getenv("X")`,
// `ENV['X']`, `ENV.fetch('X')`, and `X=` lines of `.env.example`. Only the PR's changed
// files are read (both sides), so:
//   - added and undocumented: read at head, not at base, not in the table -> a new row;
//   - documented and gone: read at base, read by no changed file at head, in the table ->
//     the row removed (confidence 0.7: an unchanged file may still read it);
//   - renamed: in one file, exactly one variable gone and one added -> the row's name
//     replaced (confidence 0.85).
// The table: the one between `<!-- puddlejumper:env-vars -->` markers, else the first
// table whose header has a Variable or Name column.
import { matchesAny } from '../../packs/globs.js';
import type { ChangedFile } from '../../change/changeset.js';
import type { DriftItem, Evidence } from '../item.js';
import type { Table, TableRow } from '../markdown.js';
import type { EnvVarConfig } from '../types.js';
import { item, lineAt, scope, type Detector, type DetectorInput } from './detector.js';

const READS: RegExp[] = [
  /process\.env\.([A-Za-z_][A-Za-z0-9_]*)/g,
  /process\.env\[\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\]/g,
  /\{\s*([A-Z_][A-Z0-9_]*(?:\s*,\s*[A-Z_][A-Z0-9_]*)*)\s*\}\s*=\s*process\.env\b/g,
  /os\.environ\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]/g,
  /os\.environ\.get\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
  /os\.getenv\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
  /System\.getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g,
  /os\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g,
  /\bENV\[\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\]/g,
  /\bENV\.fetch\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]/g,
  /std::env::var\(\s*"([A-Za-z_][A-Za-z0-9_]*)"/g,
];

const CODE_FILE = /\.(?:[cm]?[jt]sx?|py|java|kt|go|rb|rs|scala|groovy)$/;

/** Variable name -> where it is read (first place). */
export type EnvReads = Map<string, Evidence>;

export function envReadsIn(file: string, text: string, side: 'base' | 'head'): EnvReads {
  const out: EnvReads = new Map();
  if (isEnvExample(file)) {
    let offset = 0;
    for (const line of text.split('\n')) {
      const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
      if (m && !out.has(m[1]!)) out.set(m[1]!, { file, line: lineAt(text, offset), side });
      offset += line.length + 1;
    }
    return out;
  }
  for (const re of READS) {
    for (const m of text.matchAll(re)) {
      for (const name of m[1]!.split(/\s*,\s*/)) {
        const at = out.get(name);
        const line = lineAt(text, m.index);
        if (!at || at.line > line) out.set(name, { file, line, side });
      }
    }
  }
  return out;
}

function isEnvExample(path: string): boolean {
  const base = path.split('/').pop() ?? '';
  return /^\.env\.(example|sample|template|dist)$/.test(base) || base === 'example.env';
}

export const detectEnvVar: Detector<EnvVarConfig> = async (input) => {
  const where = scope('env_var', input, input.sectionTarget ? [input.sectionTarget] : []);
  if ('problem' in where) return [where.problem];
  const { base, head, perFile } = await readsOfChange(input);
  const wanted = wantedBy(input.config);
  const added = [...head.keys()].filter((n) => !base.has(n) && wanted(n)).sort();
  const gone = [...base.keys()].filter((n) => !head.has(n) && wanted(n)).sort();
  if (added.length === 0 && gone.length === 0) return [];

  const table = findEnvTable(input, where.range);
  if (!table) return added.map((name) => noTableItem(input, name, head.get(name)!));
  const column = nameColumn(table);
  const documented = documentedNames(table, column);
  const renamedFrom = renames(perFile, wanted, added, gone);
  const env: EnvTable = { table, column, documented };

  const items: DriftItem[] = [];
  for (const name of added) {
    if (documented.has(name)) continue;
    const from = renamedFrom.get(name);
    const oldRow = from !== undefined ? documented.get(from) : undefined;
    if (from !== undefined && oldRow) items.push(renamedItem(input, env, oldRow, { from, to: name }, [base.get(from)!, head.get(name)!]));
    else items.push(undocumentedItem(input, env, name, head.get(name)!));
  }
  for (const name of gone) {
    const row = documented.get(name);
    if (!row) continue;
    // A rename whose new name is not documented yet is one item (env_var.renamed), not two.
    if ([...renamedFrom.entries()].some(([to, from]) => from === name && !documented.has(to))) continue;
    items.push(goneItem(input, env, row, name, base.get(name)!));
  }
  return items;
};

/** The variables the config asks about: those with one of its `prefixes` (all when none), not in `ignore`. */
function wantedBy(config: EnvVarConfig): (name: string) => boolean {
  return (name) => (config.prefixes === undefined || config.prefixes.length === 0 || config.prefixes.some((p) => name.startsWith(p))) && !(config.ignore ?? []).includes(name);
}

/** Documented variable -> its row (the first row that names it in the name column). */
function documentedNames(table: Table, column: number): Map<string, TableRow> {
  const documented = new Map<string, TableRow>();
  for (const row of table.rows) {
    const cell = row.cells[column];
    if (!cell) continue;
    for (const name of namesInCell(cell.text)) if (!documented.has(name)) documented.set(name, row);
  }
  return documented;
}

/** New name -> old name: a file where exactly one wanted variable went and one came, both gone and added overall. */
function renames(perFile: Map<string, FileReads>, wanted: (name: string) => boolean, added: readonly string[], gone: readonly string[]): Map<string, string> {
  const renamedFrom = new Map<string, string>();
  for (const [, { goneHere, addedHere }] of perFile) {
    const g = goneHere.filter(wanted);
    const a = addedHere.filter(wanted);
    if (g.length === 1 && a.length === 1 && gone.includes(g[0]!) && added.includes(a[0]!)) renamedFrom.set(a[0]!, g[0]!);
  }
  return renamedFrom;
}

interface EnvTable {
  table: Table;
  /** The column of variable names. */
  column: number;
  documented: Map<string, TableRow>;
}

function noTableItem(input: DetectorInput<EnvVarConfig>, name: string, read: Evidence): DriftItem {
  return item('env_var', input, {
    rule: 'env_var.no-table',
    message: `The code now reads \`${name}\`, and ${input.doc.path} has no env table to document it in (a table with a Variable or Name column, or one between <!-- puddlejumper:env-vars --> markers).`,
    subject: name,
    changeClass: 'additive',
    confidence: 0.6,
    resolution: { kind: 'present', text: name },
    evidence: [read],
  });
}

/** The old name in its row replaced by the new one. */
function renamedItem(input: DetectorInput<EnvVarConfig>, { column }: EnvTable, oldRow: TableRow, { from, to }: { from: string; to: string }, evidence: Evidence[]): DriftItem {
  const cell = oldRow.cells[column]!;
  const at = cell.start + cell.text.indexOf(from);
  return item('env_var', input, {
    rule: 'env_var.renamed',
    message: `\`${from}\` was renamed to \`${to}\` in the code; the env table still says \`${from}\`.`,
    subject: from,
    identity: { from, to },
    changeClass: 'behavioral',
    confidence: 0.85,
    evidence,
    edits: [{ start: at, end: at + from.length, replacement: to }],
  });
}

/** A new row after the table's last row (zero-width edits at one point apply in order). */
function undocumentedItem(input: DetectorInput<EnvVarConfig>, { table, column }: EnvTable, name: string, read: Evidence): DriftItem {
  const insertAfter = table.rows.length > 0 ? table.rows[table.rows.length - 1]! : table.delimiter;
  const columns = Math.max(table.header.cells.length, 1);
  const cells = Array.from({ length: columns }, (_, i) => (i === column ? `\`${name}\`` : i === columns - 1 && columns > 1 ? `_read by \`${read.file}\`; describe it_` : ''));
  const row = `| ${cells.join(' | ')} |\n`;
  const insertAt = insertAfter.end;
  const needsBreak = input.doc.text[insertAt - 1] !== '\n';
  return item('env_var', input, {
    rule: 'env_var.undocumented',
    message: `The code now reads \`${name}\`, which the env table does not list.`,
    subject: name,
    changeClass: 'additive',
    confidence: 0.9,
    resolution: { kind: 'present', text: name },
    evidence: [read, { file: input.doc.path, line: table.line, side: 'doc' }],
    at: insertAfter.start,
    edits: [{ start: insertAt, end: insertAt, replacement: needsBreak ? `\n${row.slice(0, -1)}` : row }],
  });
}

/** The row removed when it names only this variable; flagged otherwise. */
function goneItem(input: DetectorInput<EnvVarConfig>, { column }: EnvTable, row: TableRow, name: string, read: Evidence): DriftItem {
  const only = namesInCell(row.cells[column]!.text).length === 1;
  return item('env_var', input, {
    rule: 'env_var.gone',
    message: `The env table documents \`${name}\`, which no changed file reads any more${only ? '' : ' (its row names other variables too: not removed)'}.`,
    subject: name,
    changeClass: 'behavioral',
    confidence: 0.7,
    resolution: { kind: 'absent', text: name },
    evidence: [read, { file: input.doc.path, line: row.line, side: 'doc' }],
    at: row.start,
    ...(only ? { edits: [{ start: row.start, end: row.end, replacement: '' }] } : {}),
  });
}

interface FileReads {
  goneHere: string[];
  addedHere: string[];
}

async function readsOfChange(input: DetectorInput<EnvVarConfig>): Promise<{ base: EnvReads; head: EnvReads; perFile: Map<string, FileReads> }> {
  const base: EnvReads = new Map();
  const head: EnvReads = new Map();
  const perFile = new Map<string, FileReads>();
  const sources = input.config.sources;
  const relevant = (f: ChangedFile) => (CODE_FILE.test(f.path) || isEnvExample(f.path)) && (!sources || sources.some((g) => matchesAny(f.path, [g])));
  const files = input.files.filter(relevant);
  // Bounded concurrency: a 3000-file change reads 6000 blobs, not all at once.
  const limit = 16;
  for (let i = 0; i < files.length; i += limit) {
    await Promise.all(
      files.slice(i, i + limit).map(async (f) => {
        const basePath = f.previousPath ?? f.path;
        const [b, h] = await Promise.all([f.status === 'added' ? undefined : input.changes.readBase(basePath), f.status === 'removed' ? undefined : input.changes.readHead(f.path)]);
        const br = b === undefined ? new Map() : envReadsIn(basePath, b, 'base');
        const hr = h === undefined ? new Map() : envReadsIn(f.path, h, 'head');
        for (const [n, e] of br) if (!base.has(n)) base.set(n, e);
        for (const [n, e] of hr) if (!head.has(n)) head.set(n, e);
        perFile.set(f.path, { goneHere: [...br.keys()].filter((n) => !hr.has(n)), addedHere: [...hr.keys()].filter((n) => !br.has(n)) });
      }),
    );
  }
  return { base, head, perFile };
}

function findEnvTable(input: DetectorInput<EnvVarConfig>, range: { start: number; end: number }): Table | undefined {
  const marker = input.doc.markers.find((m) => (m.name === 'env-vars' || m.name === 'env_vars' || m.name === 'env') && m.close);
  if (marker?.close) return input.doc.tables({ start: marker.open.end, end: marker.close.start })[0];
  return input.doc.tables(range).find((t) => nameColumn(t) !== -1 && t.header.cells.some((c) => /^(variable|name|env(ironment)? var(iable)?s?)$/i.test(stripMd(c.text))));
}

function nameColumn(table: Table): number {
  const i = table.header.cells.findIndex((c) => /^(variable|name|env(ironment)? var(iable)?s?)$/i.test(stripMd(c.text)));
  return i === -1 ? 0 : i;
}

function stripMd(text: string): string {
  return text.replace(/[`*_]/g, '').trim();
}

/** `PAYMENTS_URL`, `` `A`, `B` `` -> names. */
export function namesInCell(text: string): string[] {
  return [...text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]).filter((n) => /^[A-Z_][A-Z0-9_]*$/.test(n) && /[A-Z]/.test(n));
}
