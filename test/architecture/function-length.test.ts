// Issue 8's rule: no function in the core is longer than about 60 lines. Measured with the
// TypeScript compiler: every function declaration, method, constructor, accessor, arrow
// function and function expression in the core folders; its length is the lines of its
// body between the braces (an expression body: its own lines). A nested function counts
// towards its parent too, as it does for the reader.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve('src');
const CORE = ['packs', 'contracts', 'drift', 'approvals', 'report'];
const MAX_FUNCTION_LINES = 60;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

type FunctionNode = ts.FunctionLikeDeclaration & { body: ts.ConciseBody };

function isMeasured(node: ts.Node): node is FunctionNode {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node)) &&
    node.body !== undefined
  );
}

function nameOf(node: FunctionNode, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText(sf);
  const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  return `<anonymous@${line}>`;
}

/** Lines of the body: between the braces of a block, or the whole of an expression body. */
function bodyLines(node: FunctionNode, sf: ts.SourceFile): number {
  const start = sf.getLineAndCharacterOfPosition(node.body.getStart(sf)).line;
  const end = sf.getLineAndCharacterOfPosition(node.body.getEnd()).line;
  return ts.isBlock(node.body) ? Math.max(0, end - start - 1) : end - start + 1;
}

interface Measured {
  id: string;
  lines: number;
}

function measure(file: string, text: string): Measured[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Measured[] = [];
  const visit = (node: ts.Node): void => {
    if (isMeasured(node)) out.push({ id: `${file}:${nameOf(node, sf)}`, lines: bodyLines(node, sf) });
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const measured = CORE.flatMap((dir) => files(join(SRC, dir))).flatMap((f) => measure(relative(SRC, f), readFileSync(f, 'utf8')));

describe('function length in the core', () => {
  it('measures what a reader sees: block bodies between the braces, nested functions included', () => {
    const body = Array.from({ length: 61 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const m = measure('x.ts', `export function long() {\n${body}\n}\nconst short = (a: number) =>\n  a + 1;\nclass C { method() {\n  return () => {\n    return 1;\n  };\n} }\n`);
    expect(m).toEqual([
      { id: 'x.ts:long', lines: 61 },
      { id: 'x.ts:short', lines: 1 },
      { id: 'x.ts:method', lines: 3 },
      { id: 'x.ts:<anonymous@67>', lines: 1 },
    ]);
  });

  it(`no function in ${CORE.join(', ')} is over ${MAX_FUNCTION_LINES} lines`, () => {
    expect(measured.length).toBeGreaterThan(500); // the scan found the core, so an empty result means something
    const over = measured.filter((m) => m.lines > MAX_FUNCTION_LINES).map((m) => `${m.id} (${m.lines} lines)`);
    expect(over).toEqual([]);
  });
});
