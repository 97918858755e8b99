// `pj diff BASE HEAD`: the OpenAPI engine alone on two files on disk. The CLI entry
// (src/cli.ts) passes the arguments after `diff` and its own output functions.
import { readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { git } from '../change/git.js';
import { openapiDiff, SpecParseError, type Level, type OpenApiChange, type ReadFile, type SpecBytes } from '../contracts/openapi/index.js';
import { DEFAULT_MAX_BYTES } from '../contracts/openapi/parse.js';
import { ReadRefused } from '../contracts/openapi/refs.js';

export interface DiffIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

const USAGE = `Usage: pj diff BASE HEAD [--format text|json|markdown] [--fail-on ERR|WARN] [--max-size BYTES]

Compares two OpenAPI 3.0/3.1 or Swagger 2.0 specs (JSON or YAML) and lists breaking and notable changes.
Relative $refs are read relative to each spec file, and only inside the spec's repository
(its git top level, or the spec's folder outside git); symlinks that leave it are refused.
URLs are never fetched.

Options:
  --format    text (default), json or markdown
  --fail-on   exit 1 when a change at or above this level is found: ERR (default) or WARN
  --max-size  the largest spec file read, in bytes (default ${DEFAULT_MAX_BYTES}, 20 MiB)
  --help      show this help

Exit codes: 0 nothing at or above --fail-on, 1 found, 2 usage error or unreadable spec.`;

const FORMATS = ['text', 'json', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
const LEVEL_RANK: Record<Level, number> = { INFO: 0, WARN: 1, ERR: 2 };

interface DiffCommand { basePath: string; headPath: string; format: Format; failOn: Level; maxBytes: number }

/** Runs the command; returns the process exit code. */
export async function runDiff(argv: string[], io: DiffIo): Promise<number> {
  let command: DiffCommand | 'help';
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.err(`pj diff: ${error instanceof Error ? error.message : String(error)} (see pj diff --help)`);
    return 2;
  }
  if (command === 'help') {
    io.out(USAGE);
    return 0;
  }
  let changes: OpenApiChange[];
  try {
    changes = await diffFiles(command, io.cwd);
  } catch (error) {
    io.err(`pj diff: ${describeFailure(error)}`);
    return 2;
  }
  io.out(render(changes, command.format));
  return changes.some((change) => LEVEL_RANK[change.level] >= LEVEL_RANK[command.failOn]) ? 1 : 0;
}

function parseCommand(argv: string[]): DiffCommand | 'help' {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string', default: 'ERR' },
      'max-size': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (positionals.length !== 2) throw new Error(`expected BASE and HEAD, got ${positionals.length} file argument(s)`);
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new Error(`unknown --format ${format}; use text, json or markdown`);
  const failOn = String(values['fail-on']).toUpperCase();
  if (failOn !== 'ERR' && failOn !== 'WARN') throw new Error(`unknown --fail-on ${values['fail-on']}; use ERR or WARN`);
  const maxBytes = values['max-size'] === undefined ? DEFAULT_MAX_BYTES : parseMaxSize(values['max-size']);
  return { basePath: positionals[0] as string, headPath: positionals[1] as string, format, failOn, maxBytes };
}

function parseMaxSize(text: string): number {
  const bytes = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`--max-size ${text}: expected a positive whole number of bytes`);
  return bytes;
}

async function diffFiles(command: DiffCommand, cwd: string): Promise<OpenApiChange[]> {
  const base = await readSpec(command.basePath, cwd, command.maxBytes);
  const head = await readSpec(command.headPath, cwd, command.maxBytes);
  const result = await openapiDiff(base, head, {
    readBase: await confinedReader(cwd, command.basePath),
    readHead: await confinedReader(cwd, command.headPath),
    maxBytes: command.maxBytes,
  });
  return result.changes;
}

/**
 * Reads the files a spec $refs, only inside the spec's repository: the git top level of
 * the spec's folder, or that folder itself outside git. A path that resolves outside it,
 * or a symlink whose target does, is refused (ReadRefused: an error at the $ref), so a
 * spec given from elsewhere cannot read /etc/passwd into the output.
 */
async function confinedReader(cwd: string, specPath: string): Promise<ReadFile> {
  const specDir = dirname(resolve(cwd, specPath));
  // Asked of git only when the spec reads another file: most specs do not (a spawn saved per side).
  let rootOnce: Promise<string> | undefined;
  return async (path) => {
    const root = await (rootOnce ??= repositoryRoot(specDir));
    const target = resolve(cwd, path);
    let real: string;
    try {
      real = await realpath(target);
    } catch {
      if (!isInside(root, target) && !isInside(specDir, target)) throw new ReadRefused(outside(target, root));
      return undefined; // missing: the engine says so at the $ref
    }
    if (!isInside(root, real)) {
      throw new ReadRefused(real === target ? outside(target, root) : `${target} leads (through a symlink) to ${real}, outside the spec's repository ${root}`);
    }
    return readFile(real).then((bytes) => bytes.toString('utf8'), () => undefined);
  };
}

function outside(target: string, root: string): string {
  return `${target} is outside the spec's repository ${root} (the git top level, or the spec's folder outside git)`;
}

async function repositoryRoot(specDir: string): Promise<string> {
  const realDir = await realpath(specDir).catch(() => specDir);
  try {
    const top = (await git(realDir, ['rev-parse', '--show-toplevel'])).trim();
    if (top !== '') return await realpath(top).catch(() => top);
  } catch {
    // not in a git repository (or no git): the spec's folder is the boundary
  }
  return realDir;
}

function isInside(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside === '' || (!inside.startsWith('..') && !isAbsolute(inside));
}

async function readSpec(path: string, cwd: string, maxBytes: number): Promise<SpecBytes> {
  const absolute = resolve(cwd, path);
  const inside = relative(cwd, absolute);
  const specPath = inside.startsWith('..') || isAbsolute(inside) ? absolute : inside.split(sep).join('/');
  try {
    // The bytes, not text: the engine decodes a JSON spec straight to compact text
    // (readFile(path, 'utf8') decoded chunk by chunk into a rope, flattened again later).
    return { path: specPath, bytes: await readFile(absolute) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`cannot read ${path}: ${code}`);
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof SpecParseError) {
    return /: spec is .*, over the .* limit$/.test(error.message) ? `${error.message} (raise it with --max-size BYTES)` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function render(changes: OpenApiChange[], format: Format): string {
  if (format === 'json') return renderJson(changes);
  if (format === 'markdown') return renderMarkdown(changes);
  return renderText(changes);
}

function countByLevel(changes: OpenApiChange[]): string {
  const counts = (['ERR', 'WARN', 'INFO'] as const).map((level) => `${changes.filter((change) => change.level === level).length} ${level}`);
  return `${changes.length} change(s): ${counts.join(', ')}`;
}

function renderText(changes: OpenApiChange[]): string {
  if (changes.length === 0) return 'No API changes.';
  const lines = changes.map((change) => `${change.source.file}:${change.source.line}:${change.source.column}: ${change.level} ${change.id}: ${change.message}`);
  return [...lines, countByLevel(changes)].join('\n');
}

function renderJson(changes: OpenApiChange[]): string {
  const records = changes.map((change) => ({
    id: change.id,
    level: change.level,
    method: change.method,
    path: change.path,
    message: change.message,
    source: { file: change.source.file, line: change.source.line },
  }));
  return JSON.stringify(records, null, 2);
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function renderMarkdown(changes: OpenApiChange[]): string {
  if (changes.length === 0) return '**No API changes.**';
  const rows = changes.map((change) => {
    const endpoint = change.method ? `\`${change.method} ${change.path ?? ''}\`` : change.path ? `\`${change.path}\`` : '';
    const cells = [change.level, `\`${change.id}\``, endpoint, `${change.source.file}:${change.source.line}`, change.message];
    return `| ${cells.map(markdownCell).join(' | ')} |`;
  });
  return [`**${countByLevel(changes)}**`, '', '| Level | Rule | Endpoint | Where | Message |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
