// Benchmark: reading slash commands from hostile comments (issue 9 items 4 and 12).
// Every body is 64 KB (GitHub's maximum comment), built to be slow for a Markdown parser:
// deep quotes, emphasis runs, brackets, unclosed tags, thousands of candidate lines.
// micromark (mdast-util-from-markdown) took 3 to 230 s on these; parseCommand must stay
// linear. Prints, per body, the first (cold) run and the best of 5 warm ones.
//
//   npx tsc -p tsconfig.json && node bench/commands.mjs
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { parseCommand } = await import(pathToFileURL(join(root, 'dist/src/approvals/commands.js')).href);

const N = 65_536;
const fill = (unit, prefix = 'Not yet\n') => prefix + unit.repeat(Math.ceil(N / unit.length)).slice(0, N - prefix.length - 10) + '\n/approve';
const bodies = {
  'candidate lines (/x)': fill('/x\n'),
  'nested quotes': fill('> '),
  'emphasis *_a': fill('*_a'),
  'stars a*': fill('a*'),
  'open brackets': fill('['),
  'link openings [a](': fill('[a]('),
  'unclosed tags <a ': fill('<a '),
  'closed tags, one a line': fill('<b>x</b>\n'),
  'block elements <div>': fill('<div>\n'),
  'inline elements': fill('Not <details>\n'),
  'backtick runs': fill('`` ` ``` \n'),
  'html comments and candidates': fill('<!--x-->\n/a\n'),
  'nested lists': Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i * 2)}- x`).join('\n').slice(0, N - 10) + '\n/approve',
};

const rows = [];
for (const [name, body] of Object.entries(bodies)) {
  const times = [];
  let result;
  for (let k = 0; k < 6; k++) {
    const t = performance.now();
    result = parseCommand(body);
    times.push(performance.now() - t);
  }
  const ms = (x) => Math.round(x * 10) / 10;
  rows.push({ body: name, chars: body.length, firstMs: ms(times[0]), warmMs: ms(Math.min(...times.slice(1))), command: result?.kind ?? null });
}
console.table(rows);
console.log(JSON.stringify({ slowestFirstMs: Math.max(...rows.map((r) => r.firstMs)), slowestWarmMs: Math.max(...rows.map((r) => r.warmMs)) }));
