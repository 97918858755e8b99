// `api_reference`: the OpenAPI spec changed, and the doc describes the API.
//
// 1. A marker-bounded section
//      <!-- puddlejumper:api-reference spec=openapi/openapi.yaml -->
//      …
//      <!-- /puddlejumper:api-reference -->
//    is regenerated from the head spec (operations by path then method, their parameters
//    and responses, in a stable order). Confidence 1.0: the section is PuddleJumper's.
// 2. Elsewhere (the target section, or the whole doc), operations the PR removed or renamed
//    are looked for where the doc names them (`DELETE /pets/{id}`, path templates in code
//    spans, fenced blocks and tables; parameter names may differ). A rename (same
//    operationId at another path or method) is replaced; a removal mentioned in a table row
//    that names nothing else removes the row; any other removal is flagged.
// The spec is read with the OpenAPI engine's parser ($refs across files included): by
// `readSpecOps` here, or — the app's and the CLIs' way, for an untrusted spec — through the
// `specOps` port of the detector input, which runs it in a parse worker within the deadline
// (src/sandbox) and hands back only the operations.
import type { ChangedFile } from '../../change/changeset.js';
import { endpointsOf, operationsOf, parametersOf, pathShape, type Operation } from '../../contracts/openapi/endpoints.js';
import { DEFAULT_MAX_BYTES } from '../../contracts/openapi/parse.js';
import { isObject, loadSpecSet, type SpecSet } from '../../contracts/openapi/refs.js';
import { SpecParseError } from '../../contracts/openapi/types.js';
import type { DriftItem, Evidence, TextEdit } from '../item.js';
import type { Marker, Range, TableRow } from '../markdown.js';
import type { ApiReferenceConfig } from '../types.js';
import { item, problem, scope, type Detector, type DetectorInput } from './detector.js';

export const API_MARKER = 'api-reference';

/** One operation of a spec as the API reference shows it (plain data: a parse worker sends it). */
export interface Op {
  method: string;
  template: string;
  shape: string;
  operationId?: string;
  summary?: string;
  parameters: Array<{ name: string; in: string; type: string; required: boolean; description: string }>;
  responses: Array<{ code: string; description: string }>;
  line: number;
}

export const detectApiReference: Detector<ApiReferenceConfig> = async (input) => {
  const markers = input.doc.markers.filter((m) => m.name === API_MARKER);
  const configured = input.config.spec === undefined ? [] : Array.isArray(input.config.spec) ? input.config.spec : [input.config.spec];
  const specs = [...new Set([...configured, ...markers.map((m) => m.attrs['spec']).filter((s): s is string => !!s)])];
  if (specs.length === 0) {
    return [problem('api_reference', input, 'problem.no-spec', `api_reference needs a spec: set config.spec in the pack, or spec=PATH on the <!-- puddlejumper:${API_MARKER} --> marker`)];
  }
  const items: DriftItem[] = [];
  for (const spec of specs) {
    if (!specChanged(input.files, spec)) continue;
    let base: Op[] | undefined;
    let head: Op[] | undefined;
    try {
      [base, head] = await Promise.all([loadOps(input, spec, 'base'), loadOps(input, spec, 'head')]);
    } catch (error) {
      const where = error instanceof SpecParseError ? { file: error.file, line: error.line } : { file: spec, line: 1 };
      const it = problem('api_reference', input, 'problem.spec-unreadable', `${spec} could not be read for the API reference: ${(error as Error).message}`);
      it.evidence = [{ ...where, side: 'head' }];
      items.push(it);
      continue;
    }
    const forSpec = markers.filter((m) => m.attrs['spec'] === spec || (m.attrs['spec'] === undefined && specs.length === 1));
    for (const marker of forSpec) {
      const it = regenerate(input, spec, marker, base ?? [], head ?? []);
      if (it) items.push(it);
    }
    const where = scope('api_reference', input, input.sectionTarget ? [input.sectionTarget] : []);
    if ('problem' in where) {
      items.push(where.problem);
      continue;
    }
    const outside = markers.filter((m) => m.close).map((m) => ({ start: m.open.start, end: m.close!.end }));
    items.push(...mentions(input, spec, where.range, outside, base ?? [], head ?? []));
  }
  return items;
};

function specChanged(files: readonly ChangedFile[], spec: string): boolean {
  const dir = spec.includes('/') ? spec.slice(0, spec.lastIndexOf('/') + 1) : '';
  return files.some((f) => f.path === spec || f.previousPath === spec || (dir !== '' && /\.(ya?ml|json)$/.test(f.path) && f.path.startsWith(dir)));
}

/** A spec's operations, from its text and a reader of the files its $refs name. */
export type SpecOpsReader = (spec: { path: string; content: string }, read: (path: string) => Promise<string | undefined>) => Promise<Op[]>;

/** The parse itself, in this thread (what a parse worker runs). */
export const readSpecOps: SpecOpsReader = async (spec, read) => opsOf(await loadSpecSet(spec, { read, maxBytes: DEFAULT_MAX_BYTES }));

async function loadOps(input: DetectorInput<ApiReferenceConfig>, spec: string, side: 'base' | 'head'): Promise<Op[] | undefined> {
  const read = side === 'base' ? (p: string) => input.changes.readBase(p) : (p: string) => input.changes.readHead(p);
  const content = await read(spec);
  if (content === undefined) return undefined;
  return (input.specOps ?? readSpecOps)({ path: spec, content }, read);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function opsOf(set: SpecSet): Op[] {
  const out: Op[] = [];
  for (const endpoint of endpointsOf(set).values()) {
    for (const op of operationsOf(set, endpoint)) out.push(describe(set, op));
  }
  return out.sort((a, b) => (a.template < b.template ? -1 : a.template > b.template ? 1 : METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method)));
}

const METHOD_ORDER = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
const IN_ORDER = ['path', 'query', 'header', 'cookie'];

function describe(set: SpecSet, op: Operation): Op {
  const node = op.node.value as Record<string, unknown>;
  const parameters = [...parametersOf(set, op).values()]
    .map((p) => {
      const v = p.value as Record<string, unknown>;
      const schemaNode = set.get(p, 'schema');
      const schema = schemaNode && isObject(schemaNode.value) ? schemaNode.value : {};
      const type = str(schema['type']) || (Array.isArray(schema['type']) ? (schema['type'] as unknown[]).join(' \\| ') : '') || 'object';
      return { name: str(v['name']), in: str(v['in']), type: type === 'array' && isObject(schema['items']) && str(schema['items']['type']) ? `${str(schema['items']['type'])}[]` : type, required: v['required'] === true, description: str(v['description']) };
    })
    .sort((a, b) => IN_ORDER.indexOf(a.in) - IN_ORDER.indexOf(b.in) || (a.in === 'path' ? op.template.indexOf(`{${a.name}}`) - op.template.indexOf(`{${b.name}}`) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const responsesNode = set.get(op.node, 'responses');
  const responses: Op['responses'] = [];
  if (responsesNode && isObject(responsesNode.value)) {
    for (const code of Object.keys(responsesNode.value).sort()) {
      const r = set.get(responsesNode, code);
      responses.push({ code, description: r && isObject(r.value) ? str(r.value['description']) : '' });
    }
  }
  return {
    method: op.method,
    template: op.template,
    shape: pathShape(op.template),
    ...(str(node['operationId']) ? { operationId: str(node['operationId']) } : {}),
    ...(str(node['summary']) ? { summary: str(node['summary']) } : {}),
    parameters,
    responses,
    line: op.node.doc.locate(op.node.pointer.segments()).line,
  };
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|').trim();
}

/** The generated reference: deterministic for one spec. */
export function renderReference(ops: readonly Op[], headingDepth: number): string {
  const h = '#'.repeat(Math.min(6, Math.max(2, headingDepth)));
  if (ops.length === 0) return '_The spec has no operations._';
  const blocks = ops.map((op) => {
    const lines = [`${h} \`${op.method} ${op.template}\`${op.summary ? ` — ${cell(op.summary)}` : ''}`];
    if (op.operationId) lines.push('', `Operation id: \`${op.operationId}\``);
    if (op.parameters.length > 0) {
      lines.push('', '| Parameter | In | Type | Required | Description |', '| --- | --- | --- | --- | --- |');
      for (const p of op.parameters) lines.push(`| \`${cell(p.name)}\` | ${p.in} | ${cell(p.type)} | ${p.required ? 'yes' : 'no'} | ${cell(p.description)} |`);
    }
    if (op.responses.length > 0) {
      lines.push('', '| Response | Description |', '| --- | --- |');
      for (const r of op.responses) lines.push(`| \`${cell(r.code)}\` | ${cell(r.description)} |`);
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

function opKey(op: Pick<Op, 'method' | 'shape'>): string {
  return `${op.method} ${op.shape}`;
}

function regenerate(input: DetectorInput<ApiReferenceConfig>, spec: string, marker: Marker, base: Op[], head: Op[]): DriftItem | undefined {
  if (!marker.close) return undefined; // reported as problem.marker-unclosed by the doc parser
  const depth = (input.doc.headings.filter((h) => h.start < marker.open.start && marker.open.start < h.sectionEnd).pop()?.depth ?? 1) + 1;
  const body = `\n\n${renderReference(head, depth)}\n\n`;
  const current = input.doc.text.slice(marker.open.end, marker.close.start);
  if (current === body) return undefined;
  const baseKeys = new Set(base.map(opKey));
  const headKeys = new Set(head.map(opKey));
  const removed = base.filter((o) => !headKeys.has(opKey(o)));
  const added = head.filter((o) => !baseKeys.has(opKey(o)));
  const changeClass = removed.length > 0 ? 'breaking' : added.length > 0 ? 'additive' : current.replace(/\s+/g, ' ') === body.replace(/\s+/g, ' ') ? 'cosmetic' : 'behavioral';
  const what = [removed.length ? `${removed.length} operation${removed.length > 1 ? 's' : ''} removed (${removed.map((o) => `\`${o.method} ${o.template}\``).slice(0, 5).join(', ')})` : '', added.length ? `${added.length} added` : '']
    .filter(Boolean)
    .join(', ');
  return item('api_reference', input, {
    rule: 'api_reference.regenerated',
    message: `The API reference between the markers at line ${marker.line} no longer matches ${spec}${what ? `: ${what}` : ''}; it is regenerated from the head spec.`,
    subject: spec,
    identity: { spec, line: marker.line, body },
    changeClass,
    confidence: 1,
    resolution: { kind: 'present', text: body.trim() },
    evidence: [{ file: spec, line: (removed[0] ?? added[0] ?? head[0])?.line ?? 1, side: removed[0] ? 'base' : 'head' }, { file: input.doc.path, line: marker.line, side: 'doc' }],
    edits: [{ start: marker.open.end, end: marker.close.start, replacement: body }],
  });
}

interface Mention extends Range {
  shape: string;
  method?: string;
  methodStart?: number;
}

const PATH_TOKEN = /(?:\b(GET|PUT|POST|DELETE|OPTIONS|HEAD|PATCH|TRACE)\s+)?(\/[A-Za-z0-9_.~{}\/-]*[A-Za-z0-9_~}\/-])/gi;

/**
 * Operations the PR removed (no operation with their method and path shape at head), where
 * the doc names them in `range` outside the generated sections: renamed ones (the same
 * operationId at head) are edited, removed ones are removed from a table or flagged.
 */
function mentions(input: DetectorInput<ApiReferenceConfig>, spec: string, range: Range, outside: Range[], base: Op[], head: Op[]): DriftItem[] {
  const headKeys = new Set(head.map(opKey));
  const removed = base.filter((o) => !headKeys.has(opKey(o)));
  if (removed.length === 0) return [];
  const rows = input.doc.tables(range).flatMap((t) => t.rows);
  const found = findMentions(input, range, outside, rows, removed, new Set(head.map((o) => o.shape)));
  const items: DriftItem[] = [];
  for (const [op, list] of found) {
    const successor = op.operationId ? head.find((h) => h.operationId === op.operationId) : undefined;
    items.push(successor ? renamedItem(input, spec, op, list, successor) : removedItem(input, spec, op, list, rows));
  }
  return items;
}

/** Each removed operation -> where the doc mentions it: paragraphs (tables and inline code included) and fenced blocks, not the generated sections. */
function findMentions(input: DetectorInput<ApiReferenceConfig>, range: Range, outside: Range[], rows: readonly TableRow[], removed: Op[], headShapes: Set<string>): Map<Op, Mention[]> {
  const byShape = new Map<string, Op[]>();
  for (const o of removed) byShape.set(o.shape, [...(byShape.get(o.shape) ?? []), o]);
  const nodes = [...input.doc.prose(range), ...input.doc.code(range).filter((c) => c.kind === 'fenced')].filter((n) => !outside.some((o) => n.start >= o.start && n.start < o.end));
  const found = new Map<Op, Mention[]>();
  for (const node of nodes) {
    for (const m of node.raw.matchAll(PATH_TOKEN)) {
      const template = m[2]!.replace(/\/$/, '') || '/';
      const ops = byShape.get(pathShape(template));
      if (!ops) continue;
      const mention = mentionAt(node.start + m.index, m, template, rows);
      for (const op of ops) {
        // `DELETE /pets/{id}` is about DELETE only; a bare path is stale only when no method is left on it.
        if (mention.method ? mention.method !== op.method : headShapes.has(mention.shape)) continue;
        found.set(op, [...(found.get(op) ?? []), mention]);
      }
    }
  }
  return found;
}

/** A path token found at `at` in the doc, with its method: written before it, or in a cell of its own in the same table row (`| DELETE | /pets/{id} |`). */
function mentionAt(at: number, m: RegExpExecArray | RegExpMatchArray, template: string, rows: readonly TableRow[]): Mention {
  const row = m[1] ? undefined : rows.find((r) => at >= r.start && at < r.end);
  const methodCell = row?.cells.find((c) => METHOD_ORDER.includes(c.text.replace(/`/g, '').toUpperCase()));
  const rowMethod = methodCell?.text.replace(/`/g, '').toUpperCase();
  const method = m[1]?.toUpperCase() ?? rowMethod;
  const methodStart = m[1] ? at : methodCell ? methodCell.start + methodCell.text.indexOf(methodCell.text.replace(/`/g, '')) : undefined;
  const start = at + m[0].length - m[2]!.length;
  return { start, end: start + template.length, shape: pathShape(template), ...(method ? { method } : {}), ...(methodStart !== undefined ? { methodStart } : {}) };
}

function mentionEvidence(input: DetectorInput<ApiReferenceConfig>, spec: string, op: Op, list: Mention[]): Evidence[] {
  return [{ file: spec, line: op.line, side: 'base' }, { file: input.doc.path, line: input.doc.lineOf(list[0]!.start), side: 'doc' }];
}

/** Every mention rewritten to the successor's path (and method, where it is written and changed). */
function renamedItem(input: DetectorInput<ApiReferenceConfig>, spec: string, op: Op, list: Mention[], successor: Op): DriftItem {
  const edits: TextEdit[] = [];
  for (const m of list) {
    if (m.method && m.methodStart !== undefined && successor.method !== op.method) edits.push({ start: m.methodStart, end: m.methodStart + m.method.length, replacement: successor.method });
    edits.push({ start: m.start, end: m.end, replacement: successor.template });
  }
  const subject = `${op.method} ${op.template}`;
  return item('api_reference', input, {
    rule: 'api_reference.operation-renamed',
    message: `The doc names \`${subject}\`, which is now \`${successor.method} ${successor.template}\` (operationId \`${op.operationId}\`).`,
    subject,
    identity: { op: opKey(op), to: opKey(successor) },
    changeClass: 'breaking',
    confidence: 0.9,
    evidence: mentionEvidence(input, spec, op, list),
    edits,
  });
}

/** Safe edit: every mention sits in a table row that names no other operation, and those rows go; else flagged for a person. */
function removedItem(input: DetectorInput<ApiReferenceConfig>, spec: string, op: Op, list: Mention[], tableRows: readonly TableRow[]): DriftItem {
  const rows = list.map((m) => tableRows.find((r) => m.start >= r.start && m.start < r.end));
  const safe = rows.every((r) => r && [...input.doc.text.slice(r.start, r.end).matchAll(PATH_TOKEN)].length === 1);
  const uniqueRows = [...new Set(rows)];
  const subject = `${op.method} ${op.template}`;
  return item('api_reference', input, {
    rule: 'api_reference.operation-removed',
    message: safe
      ? `The doc documents \`${subject}\`, which this change removed from ${spec}: its table row is removed.`
      : `The doc names \`${subject}\`, which this change removed from ${spec}; no safe edit: the text needs a person.`,
    subject,
    identity: { op: opKey(op) },
    changeClass: 'breaking',
    confidence: safe ? 0.9 : 0.95,
    evidence: mentionEvidence(input, spec, op, list),
    at: list[0]!.start,
    resolution: { kind: 'absent', text: input.doc.text.slice(list[0]!.methodStart ?? list[0]!.start, list[0]!.end) },
    ...(safe ? { edits: uniqueRows.map((r) => ({ start: r!.start, end: r!.end, replacement: '' })) } : {}),
  });
}
