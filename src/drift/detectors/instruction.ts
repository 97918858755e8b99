// `instruction`: commands and names a reader of the doc would run or type — `npm run X`,
// `yarn X`, `pnpm X`, `make X`, file and directory paths, ports, image names — in code
// spans and fenced blocks of the target section, against what the PR renamed or removed.
//
// What counts as a rename (a replacement patch):
//   - a package.json script removed and one added with the same command;
//   - a Makefile target removed and one added with the same recipe;
//   - a git rename of a file (or of every changed file under a directory);
//   - a port (Dockerfile EXPOSE, compose/k8s ports) or an image (`image:`) that is the only
//     one removed and the only one added in its file.
// Anything removed without such a successor is flagged, with no patch: only a person knows
// what the instruction should say now.
import { posix } from 'node:path';
import { matchesAny } from '../../packs/globs.js';
import type { ChangedFile } from '../../change/changeset.js';
import type { DriftItem, Evidence, TextEdit } from '../item.js';
import type { CodeNode } from '../markdown.js';
import type { InstructionConfig } from '../types.js';
import { item, lineAt, problem, scope, type Detector, type DetectorInput } from './detector.js';

type Kind = 'script' | 'make-target' | 'path' | 'directory' | 'port' | 'image';

/** One thing the PR took away: renamed (with its new name) or removed. */
interface Change {
  kind: Kind;
  name: string;
  to?: string;
  confidence: number;
  evidence: Evidence[];
  why: string;
}

interface Mention {
  kind: Kind;
  name: string;
  start: number;
  end: number;
}

const LABEL: Record<Kind, string> = {
  script: 'npm script',
  'make-target': 'make target',
  path: 'file',
  directory: 'directory',
  port: 'port',
  image: 'image',
};

export const detectInstruction: Detector<InstructionConfig> = async (input) => {
  const names = [...(input.sectionTarget ? [input.sectionTarget] : []), ...(input.config.sections ?? [])];
  const where = scope('instruction', input, names);
  if ('problem' in where) return [where.problem];
  const { changes, problems } = await collectChanges(input);
  const items: DriftItem[] = [...problems];
  if (changes.size === 0) return items;
  const languages = input.config.codeLanguages?.map((l) => l.toLowerCase());
  const code = input.doc.code(where.range).filter((c) => c.kind === 'inline' || !languages || languages.includes(fenceLanguage(c.raw)));
  const mentions = new Map<string, Mention[]>();
  for (const node of code) {
    for (const m of mentionsIn(node)) {
      const key = `${m.kind}\0${m.name}`;
      if (!changes.has(key)) continue;
      const list = mentions.get(key) ?? [];
      list.push(m);
      mentions.set(key, list);
    }
  }
  for (const [key, list] of mentions) {
    const change = changes.get(key)!;
    const first = list[0]!;
    const docEvidence: Evidence = { file: input.doc.path, line: input.doc.lineOf(first.start), side: 'doc' };
    if (change.to !== undefined) {
      items.push(
        item('instruction', input, {
          rule: `instruction.${change.kind}-renamed`,
          message: `The doc uses the ${LABEL[change.kind]} \`${change.name}\`, which this change renamed to \`${change.to}\` (${change.why}).`,
          subject: change.name,
          identity: { kind: change.kind, name: change.name, to: change.to },
          changeClass: 'behavioral',
          confidence: change.confidence,
          evidence: [...change.evidence, docEvidence],
          edits: list.map<TextEdit>((m) => ({ start: m.start, end: m.end, replacement: change.to! })),
        }),
      );
    } else {
      items.push(
        item('instruction', input, {
          rule: `instruction.${change.kind}-removed`,
          message: `The doc uses the ${LABEL[change.kind]} \`${change.name}\`, which this change removed (${change.why}); ${list.length === 1 ? 'the instruction' : `its ${list.length} mentions`} need${list.length === 1 ? 's' : ''} a person to rewrite.`,
          subject: change.name,
          identity: { kind: change.kind, name: change.name },
          changeClass: 'breaking',
          confidence: change.confidence,
          evidence: [...change.evidence, docEvidence],
          at: first.start,
        }),
      );
    }
  }
  return items;
};

function fenceLanguage(raw: string): string {
  const info = raw.trimStart().replace(/^(`{3,}|~{3,})/, '').split('\n')[0] ?? '';
  return info.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

// ---- what the PR changed -------------------------------------------------------------

async function collectChanges(input: DetectorInput<InstructionConfig>): Promise<{ changes: Map<string, Change>; problems: DriftItem[] }> {
  const changes = new Map<string, Change>();
  const problems: DriftItem[] = [];
  const add = (c: Change) => changes.set(`${c.kind}\0${c.name}`, c);
  const sources = input.config.sources;
  const files = sources ? input.files.filter((f) => sources.some((g) => matchesAny(f.path, [g]) || (f.previousPath !== undefined && matchesAny(f.previousPath, [g])))) : input.files;
  for (const f of files) {
    const base = posix.basename(f.previousPath ?? f.path);
    try {
      if (base === 'package.json') await scriptChanges(input, f, add);
      else if (base === 'Makefile' || base === 'GNUmakefile' || base === 'makefile' || base.endsWith('.mk')) await makeChanges(input, f, add);
      if (/^Dockerfile|\.dockerfile$|^(docker-)?compose.*\.ya?ml$|\.ya?ml$/i.test(base)) await valueChanges(input, f, add);
    } catch (error) {
      problems.push(problem('instruction', input, 'problem.source-unreadable', `${f.path} could not be read for instruction drift: ${(error as Error).message}`));
    }
  }
  pathChanges(files, add);
  return { changes, problems };
}


async function scriptChanges(input: DetectorInput<InstructionConfig>, f: ChangedFile, add: (c: Change) => void): Promise<void> {
  const basePath = f.previousPath ?? f.path;
  const [baseText, headText] = await Promise.all([f.status === 'added' ? undefined : input.changes.readBase(basePath), f.status === 'removed' ? undefined : input.changes.readHead(f.path)]);
  const base = scriptsOf(basePath, baseText);
  const head = scriptsOf(f.path, headText);
  const removed = [...base.keys()].filter((n) => !head.has(n));
  const added = [...head.keys()].filter((n) => !base.has(n));
  for (const name of removed) {
    const command = base.get(name)!;
    const successors = added.filter((a) => head.get(a) === command);
    const evidence: Evidence[] = [{ file: basePath, line: lineOfKey(baseText ?? '', name), side: 'base' }];
    if (successors.length === 1) {
      const to = successors[0]!;
      add({ kind: 'script', name, to, confidence: 0.95, why: `\`${to}\` runs the same command \`${command}\``, evidence: [...evidence, { file: f.path, line: lineOfKey(headText ?? '', to), side: 'head' }] });
    } else {
      add({ kind: 'script', name, confidence: 0.9, why: `no script in ${f.path} runs \`${command}\` any more`, evidence });
    }
  }
}

function scriptsOf(path: string, text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (text === undefined) return out;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message})`);
  }
  const scripts = (json as { scripts?: unknown } | null)?.scripts;
  if (scripts && typeof scripts === 'object') {
    for (const [k, v] of Object.entries(scripts)) if (typeof v === 'string') out.set(k, v.trim());
  }
  return out;
}

function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(`${JSON.stringify(key)}:`);
  return at === -1 ? 1 : lineAt(text, at);
}

async function makeChanges(input: DetectorInput<InstructionConfig>, f: ChangedFile, add: (c: Change) => void): Promise<void> {
  const basePath = f.previousPath ?? f.path;
  const [baseText, headText] = await Promise.all([f.status === 'added' ? undefined : input.changes.readBase(basePath), f.status === 'removed' ? undefined : input.changes.readHead(f.path)]);
  const base = makeTargets(baseText ?? '');
  const head = makeTargets(headText ?? '');
  const added = [...head.keys()].filter((n) => !base.has(n));
  for (const [name, t] of base) {
    if (head.has(name)) continue;
    const successors = t.recipe === '' ? [] : added.filter((a) => head.get(a)!.recipe === t.recipe);
    const evidence: Evidence[] = [{ file: basePath, line: t.line, side: 'base' }];
    if (successors.length === 1) {
      const to = successors[0]!;
      add({ kind: 'make-target', name, to, confidence: 0.9, why: `\`${to}\` has the same recipe`, evidence: [...evidence, { file: f.path, line: head.get(to)!.line, side: 'head' }] });
    } else add({ kind: 'make-target', name, confidence: 0.9, why: `${f.path} has no target \`${name}\` any more`, evidence });
  }
}

function makeTargets(text: string): Map<string, { line: number; recipe: string }> {
  const out = new Map<string, { line: number; recipe: string }>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([A-Za-z0-9_][A-Za-z0-9_.\/-]*(?:\s+[A-Za-z0-9_][A-Za-z0-9_.\/-]*)*)\s*:(?!=)/.exec(lines[i]!);
    if (!m) continue;
    const recipe: string[] = [];
    for (let j = i + 1; j < lines.length && lines[j]!.startsWith('\t'); j++) recipe.push(lines[j]!.trim());
    for (const name of m[1]!.split(/\s+/)) if (!out.has(name)) out.set(name, { line: i + 1, recipe: recipe.join('\n') });
  }
  return out;
}

/** Ports and images declared in Dockerfiles, compose files and manifests. */
async function valueChanges(input: DetectorInput<InstructionConfig>, f: ChangedFile, add: (c: Change) => void): Promise<void> {
  const basePath = f.previousPath ?? f.path;
  const [baseText, headText] = await Promise.all([f.status === 'added' ? undefined : input.changes.readBase(basePath), f.status === 'removed' ? undefined : input.changes.readHead(f.path)]);
  const base = declaredValues(baseText ?? '');
  const head = declaredValues(headText ?? '');
  for (const kind of ['port', 'image'] as const) {
    const b = base.get(kind) ?? new Map<string, number>();
    const h = head.get(kind) ?? new Map<string, number>();
    const removed = [...b.keys()].filter((v) => !h.has(v));
    const added = [...h.keys()].filter((v) => !b.has(v));
    for (const name of removed) {
      const evidence: Evidence[] = [{ file: basePath, line: b.get(name)!, side: 'base' }];
      if (removed.length === 1 && added.length === 1) {
        const to = added[0]!;
        add({ kind, name, to, confidence: 0.7, why: `${f.path} now declares \`${to}\` where it declared \`${name}\``, evidence: [...evidence, { file: f.path, line: h.get(to)!, side: 'head' }] });
      } else add({ kind, name, confidence: 0.6, why: `${f.path} no longer declares it`, evidence });
    }
  }
}

function declaredValues(text: string): Map<'port' | 'image', Map<string, number>> {
  const ports = new Map<string, number>();
  const images = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    const expose = /^\s*EXPOSE\s+(.+)$/i.exec(line);
    if (expose) for (const p of expose[1]!.split(/\s+/)) if (/^\d+/.test(p)) ports.set(p.replace(/\/.*$/, ''), i + 1);
    const containerPort = /^\s*-?\s*(?:containerPort|port|targetPort):\s*["']?(\d+)/.exec(line);
    if (containerPort) ports.set(containerPort[1]!, i + 1);
    const mapping = /^\s*-\s*["']?(?:[\d.]+:)?(\d+):(\d+)(?:\/\w+)?["']?\s*$/.exec(line);
    if (mapping) ports.set(mapping[1]!, i + 1);
    const image = /^\s*-?\s*image:\s*["']?([^\s"'#]+)/.exec(line);
    if (image) images.set(imageRepo(image[1]!), i + 1);
    const from = /^\s*FROM\s+(?:--\S+\s+)*([^\s]+)/i.exec(line);
    if (from && !/^\$/.test(from[1]!)) images.set(imageRepo(from[1]!), i + 1);
  });
  return new Map([['port', ports], ['image', images]]);
}

/** `registry/acme/payments:1.2@sha256:…` -> `registry/acme/payments`. */
function imageRepo(ref: string): string {
  const noDigest = ref.split('@')[0]!;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function pathChanges(files: readonly ChangedFile[], add: (c: Change) => void): void {
  const dirMoves = new Map<string, Set<string> | null>();
  for (const f of files) {
    if (f.status === 'removed') add({ kind: 'path', name: f.path, confidence: 0.9, why: 'the file was deleted', evidence: [{ file: f.path, line: 1, side: 'base' }] });
    else if (f.status === 'renamed' && f.previousPath && f.previousPath !== f.path) {
      add({ kind: 'path', name: f.previousPath, to: f.path, confidence: 0.9, why: 'git detected the rename', evidence: [{ file: f.path, line: 1, side: 'head' }] });
      // Which directory moved: the longest common suffix of the two paths decides.
      const from = f.previousPath.split('/');
      const to = f.path.split('/');
      while (from.length > 1 && to.length > 1 && from[from.length - 1] === to[to.length - 1]) {
        from.pop();
        to.pop();
      }
      if (from.length < f.previousPath.split('/').length) {
        for (let n = from.length; n >= 1; n--) {
          const dir = from.slice(0, n).join('/');
          const target = `${to.slice(0, to.length - (from.length - n)).join('/')}`;
          const seen = dirMoves.get(dir);
          if (seen === null) continue;
          dirMoves.set(dir, (seen ?? new Set()).add(target));
        }
      }
    }
  }
  // A directory counts as moved only when every changed file from it went to one place
  // and no changed file is left in it.
  for (const f of files) {
    if (f.status === 'renamed') continue;
    for (const dir of dirMoves.keys()) if (f.path.startsWith(`${dir}/`)) dirMoves.set(dir, null);
  }
  for (const [dir, targets] of dirMoves) {
    if (!targets || targets.size !== 1) continue;
    const to = [...targets][0]!;
    if (to === dir || to === '') continue;
    add({ kind: 'directory', name: dir, to, confidence: 0.8, why: 'every changed file under it moved there', evidence: [] });
  }
}

// ---- what the doc says ------------------------------------------------------------------

const RUNNER = /\b(?:npm\s+(?:run(?:-script)?\s+|(?=(?:test|start|stop|restart)\b))|yarn\s+(?:run\s+)?|pnpm\s+(?:run\s+)?)([A-Za-z0-9][A-Za-z0-9:_.-]*)/g;
const MAKE = /\bmake\s+((?:-{1,2}[A-Za-z][A-Za-z0-9-]*(?:=\S+)?\s+)*)([A-Za-z0-9_][A-Za-z0-9_.\/-]*(?:\s+[A-Za-z0-9_][A-Za-z0-9_.\/-]*)*)/g;
const TOKEN = /[A-Za-z0-9_.@\/:+-]+/g;

function mentionsIn(node: CodeNode): Mention[] {
  const out: Mention[] = [];
  const raw = node.raw;
  for (const m of raw.matchAll(RUNNER)) {
    const name = m[1]!;
    const start = node.start + m.index + m[0].length - name.length;
    out.push({ kind: 'script', name, start, end: start + name.length });
  }
  for (const m of raw.matchAll(MAKE)) {
    let at = m.index + m[0].length - m[2]!.length;
    for (const word of m[2]!.split(/(\s+)/)) {
      if (word.trim() !== '' && !word.includes('=')) out.push({ kind: 'make-target', name: word, start: node.start + at, end: node.start + at + word.length });
      at += word.length;
    }
  }
  for (const m of raw.matchAll(TOKEN)) {
    const token = m[0];
    const start = node.start + m.index;
    // Paths: `./scripts/deploy.sh`, `config/app.yaml`, `deploy/` (a trailing dot of a sentence is not part of it).
    const trimmed = token.replace(/[.:]+$/, '');
    const lead = trimmed.startsWith('./') ? 2 : 0;
    const path = trimmed.slice(lead).replace(/\/+$/, '');
    if (path.length > 0 && !path.includes(':')) {
      out.push({ kind: 'path', name: path, start: start + lead, end: start + lead + path.length });
      out.push({ kind: 'directory', name: path, start: start + lead, end: start + lead + path.length });
    }
    // Images: `acme/payments:1.4` -> `acme/payments`.
    const image = imageRepo(trimmed);
    if (image.length > 0) out.push({ kind: 'image', name: image, start, end: start + image.length });
    // Ports: `8080`, `localhost:8080`, `8080:80`, `--port=8080`.
    let at = 0;
    for (const piece of token.split(/([:=/])/)) {
      if (/^\d{2,5}$/.test(piece)) out.push({ kind: 'port', name: piece, start: start + at, end: start + at + piece.length });
      at += piece.length;
    }
  }
  return out;
}
