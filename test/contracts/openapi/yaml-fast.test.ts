// The fast YAML reader must never differ from the yaml package: for every document it
// accepts, the values and the position of every key and item are the package's. Documents
// it does not accept go to the package (so it may be incomplete, never wrong).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { FastYamlOffsetLocator, YamlOffsetLocator } from '../../../src/contracts/openapi/positions.js';
import { FastYamlDuplicate, parseFastYaml } from '../../../src/contracts/openapi/yaml-fast.js';

const LIMITS = { maxKeysPerMapping: 1e9, maxNodes: 1e9 };

function library(text: string): { value: unknown; locator: YamlOffsetLocator } | undefined {
  const document = parseDocument(text, { uniqueKeys: true, merge: false, prettyErrors: false });
  if (document.errors.length > 0 || document.warnings.length > 0) return undefined;
  return { value: document.toJS({ maxAliasCount: 10_000 }), locator: new YamlOffsetLocator(document) };
}

function pointers(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) pointers((value as Record<string, unknown>)[key], [...prefix, key], out);
  }
  return out;
}

/** Returns whether the fast reader accepted the text; fails the test on any difference. */
function agrees(text: string): boolean {
  let fast;
  try {
    fast = parseFastYaml(text, LIMITS);
  } catch (error) {
    // A duplicate key: the yaml package must see the same duplicate (it is an error either way).
    expect(error).toBeInstanceOf(FastYamlDuplicate);
    const document = parseDocument(text, { uniqueKeys: true, merge: false, prettyErrors: false });
    expect(document.errors.map((e) => e.code), text).toContain('DUPLICATE_KEY');
    return false;
  }
  if (!fast) return false;
  const lib = library(text);
  expect(lib, `the fast reader accepted a document the yaml package rejects:\n${text}`).toBeDefined();
  expect(fast.root, text).toEqual(lib!.value);
  const locator = new FastYamlOffsetLocator(fast.root, fast.members);
  const wrong = pointers(fast.root)
    .filter((pointer) => pointer.length > 0) // the root of a top-level sequence: not recorded (a spec is a mapping)
    .filter((pointer) => locator.offsetOf(pointer) !== lib!.locator.offsetOf(pointer))
    .map((pointer) => `/${pointer.join('/')}: ${locator.offsetOf(pointer)} instead of ${lib!.locator.offsetOf(pointer)}`);
  expect(wrong, `positions in:\n${text}`).toEqual([]);
  return true;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

describe('fast YAML reader', () => {
  it('agrees with the yaml package on every YAML fixture, and reads most of them itself', () => {
    const files = [...yamlFiles('fixtures'), ...yamlFiles('policy-packs')];
    const accepted = files.filter((file) => agrees(readFileSync(file, 'utf8')));
    expect(files.length).toBeGreaterThan(30);
    expect(accepted.length / files.length).toBeGreaterThan(0.8);
  });

  it('agrees on the YAML the yaml package writes for GitHub\'s REST description (first 100 paths)', () => {
    const spec = JSON.parse(readFileSync('node_modules/@octokit/openapi/generated/api.github.com.json', 'utf8')) as { openapi: string; info: unknown; paths: Record<string, unknown> };
    const paths = Object.fromEntries(Object.entries(spec.paths).slice(0, 100));
    for (const options of [{ lineWidth: 80 }, { lineWidth: 0 }, { lineWidth: 40, indentSeq: false }]) {
      expect(agrees(stringify({ openapi: spec.openapi, info: spec.info, paths }, { aliasDuplicateObjects: false, ...options })), JSON.stringify(options)).toBe(true);
    }
  });

  it('agrees on hand-written edge cases, or leaves them to the package', () => {
    const cases = [
      'a: 1\nb: -2\nc: 0x1F\nd: 0o17\ne: 1.5e3\nf: .inf\ng: -.Inf\nh: .nan\ni: ~\nj: null\nk: True\nl: FALSE\nm:\nn: 007\no: +12\np: 1_000\nq: 2001-01-01\n',
      '"quoted key": 1\n\'single\': 2\n200: ok\n1.0: float key\ntrue: bool key\n',
      'a: "esc \\" \\\\ \\n \\t \\u00e9 \\x41 \\U0001F600 \\/ \\_"\nb: \'it\'\'s\'\n',
      'a: "folded\n  over\n\n  lines"\nb: \'single\n  folded\'\nc: "escaped \\\n  break"\n',
      'a: plain\n  continued\n  over lines\nb: x\n\n  after empty\n',
      'a: |\n  literal\n   more\n\n  end\nb: |-\n  strip\nc: >\n  folded\n  text\n\n  para\nd: >-\n  x\n  y\ne: |\n\n  leading empty\nf: |\n',
      'a: |+\n  keep\n\nb: 1\n',
      'list:\n- a\n- b: 1\n  c: 2\n-\n  d: 3\n- [x, "y", {z: 1}]\n-\n',
      'nested:\n  - - a\n    - b\n',
      'flow: {a: 1, "b": [1, 2, {c: d}], e: }\nempty: {}\nlist: []\nmulti: [a,\n  b, c]\n',
      'a: 1 # comment\n# full line\nb: "x" # c\nc: [1, 2] # c\nd: |  # c\n  text\n',
      'a: &anchor 1\nb: *anchor\n',
      'a: !!str 1\n',
      '? complex\n: value\n',
      '---\na: 1\n',
      '---\na: 1\n---\nb: 2\n',
      'a: 1\n...\n',
      'a: b: c\n',
      'a: 1\na: 2\n',
      'a:\n  b: 1\n c: 2\n',
      'url: http://x.y/z?a=b#frag\ntime: 12:30\nratio: a:b\n',
      'a: -\nb: - x\n',
      'key with spaces: v\n"": empty key\n',
      'a: "unterminated\n',
      'a: [1, 2\n',
      'a:\n    b: 1\n    c:\n    - x\n    - y\n    d: 2\n',
      '- top\n- level\n',
      'a: "x"y\n',
      'a: x #c\n  y\n',
      'a: >\n  one\n    more indented\n  two\n',
      'a: |2\n   x\n',
      'a: 1\n\tb: 2\n',
      'a: "\\q"\n',
      '%YAML 1.2\n---\na: 1\n',
    ];
    let accepted = 0;
    for (const text of cases) if (agrees(text)) accepted++;
    expect(accepted).toBeGreaterThan(12);
  });

  it('agrees with the yaml package on generated documents written in several styles', () => {
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('200', 'true', 'null', '1.5', 'a: b', '#x', '- y', 'x y', "it's", '"q"'));
    const scalar = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('', ' lead', 'trail ', 'a\nb', 'a\n\nb\n', 'line\n', '\n', 'x: y', 'x #y', '- z', '"', "'", '\\', 'ü', '0x10', '1e3', '~', 'Null', 'yes'),
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    })).map;
    const options = fc.record({
      lineWidth: fc.constantFrom(0, 20, 80),
      indent: fc.constantFrom(2, 4),
      indentSeq: fc.boolean(),
      flowCollectionPadding: fc.boolean(),
      defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'),
      collectionStyle: fc.constantFrom('any', 'block', 'flow'),
    });
    let accepted = 0;
    fc.assert(
      fc.property(value, options, (document, style) => {
        const text = stringify(document, { ...style, aliasDuplicateObjects: false } as never);
        if (agrees(text)) accepted++;
      }),
      { numRuns: 3000, seed: 20261201 },
    );
    expect(accepted).toBeGreaterThan(600);
  });
  it('agrees on hand-built block scalars: literal and folded, each chomping, empty, spaced and more-indented lines', () => {
    const line = fc.constantFrom('word', 'two words', '', ' ', '    ', '  more indented', '   deeper', 'x: y', '# not a comment', '- item');
    const block = fc.record({
      header: fc.constantFrom('|', '|-', '|+', '>', '>-', '>+'),
      indent: fc.constantFrom(2, 4),
      lines: fc.array(line, { minLength: 0, maxLength: 8 }),
      after: fc.constantFrom('', '\n', '\nnext: 1\n', '\n\nnext: 1\n', '\n  \nnext: 1\n'),
    });
    let accepted = 0;
    fc.assert(
      fc.property(block, ({ header, indent, lines, after }) => {
        const pad = ' '.repeat(indent);
        const text = `a: ${header}\n${lines.map((l) => (l.trim() === '' ? l : pad + l)).join('\n')}${after}`;
        if (agrees(text)) accepted++;
      }),
      { numRuns: 3000, seed: 20261202 },
    );
    expect(accepted).toBeGreaterThan(1000);
  });
});
