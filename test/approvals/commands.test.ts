import { describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/approvals/commands.js';

describe('slash commands', () => {
  it.each([
    ['/approve', { kind: 'approve' }],
    ['/approve tier2', { kind: 'approve', tier: 'tier2' }],
    ['/APPROVE   Tier2  ', { kind: 'approve', tier: 'Tier2' }],
    ['/approve cancel', { kind: 'approve_cancel' }],
    ['/reject breaks the public API', { kind: 'reject', reason: 'breaks the public API' }],
    ['/reject', { kind: 'reject' }],
    ['/pj recheck', { kind: 'recheck' }],
    ['/pj help', { kind: 'help' }],
    ['/pj xyz', { kind: 'unknown', text: '/pj xyz' }],
    ['/pj', { kind: 'unknown', text: '/pj' }],
    ['/approve a b', { kind: 'unknown', text: '/approve a b' }],
    ['Looks good to me.\r\n\r\n/approve', { kind: 'approve' }],
    ['   /approve', { kind: 'approve' }],
  ])('%j', (body, expected) => {
    expect(parseCommand(body)).toEqual(expected);
  });

  it.each([
    ['please /approve this', 'not at the start of a line'],
    ['> /approve', 'quoted'],
    ['  > > /approve', 'nested quote'],
    ['```\n/approve\n```', 'fenced code block'],
    ['~~~md\n/approve\n~~~', 'tilde fence'],
    ['````\n```\n/approve\n````', 'a shorter fence does not close a longer one'],
    ['    /approve', 'indented code block'],
    ['/approved', 'a different word'],
    ['/label bug', "another bot's command"],
    ['', 'empty'],
  ])('ignores %j (%s)', (body) => {
    expect(parseCommand(body)).toBeUndefined();
  });

  it.each([
    ['Not yet\n<!--\n/approve\n-->', 'an HTML comment block under visible text'],
    ['Not yet <!--\n/approve\n-->', 'an inline HTML comment spanning lines'],
    ['<!--\n/approve', 'an HTML comment that is never closed hides the rest'],
    ['Not yet\n<div>\n/approve\n</div>', 'an HTML block'],
    ['<span hidden>\n/approve\n</span>', 'a one-tag HTML block'],
    ['x `\n/approve\n` y', 'inline code spanning lines'],
    ['> quoted text\n/approve', 'a lazy continuation line of a block quote'],
    ['- not\n\n      /approve', 'an indented code block in a list item'],
    ['<a>/approve</a>', 'behind an inline tag: not at the start of the line'],
    ['&#47;approve', 'an entity is not a slash in the source'],
    ['[Not yet](\n/approve)', 'a link destination on the next line'],
    ['[Not yet](x "\n/approve")', 'a link title'],
    ['Not yet\n\n[x]:\n/approve', 'a link reference definition'],
    ['![Not yet\n/approve\n](x.png)', 'image alt text'],
    ['[Not yet][\n/approve\n]', 'a reference label'],
    ['Not yet <span hidden>\n/approve\n</span>', 'the content of an inline element'],
    ['<details><summary>Not yet</summary>\n\n/approve\n\n</details>', 'the content of a collapsed block'],
    ['<script>\n/approve\n</script>', 'a script block'],
    ['Not yet <b\n/approve>', 'a tag spanning lines'],
    ["Not yet <a title='x>\n/approve'>", 'a quoted attribute holding a >'],
    ['Not yet `\n    <!-- --> x\n/approve\n`', 'a code span across a line that may or may not start an HTML block'],
    ['- ```\n  /approve\n  ```', 'a fence in a list item'],
    ['- <!--\n  /approve\n  -->', 'an HTML comment in a list item'],
  ])('ignores %j (%s)', (body) => {
    expect(parseCommand(body)).toBeUndefined();
  });

  it('reads the visible text around hidden parts', () => {
    expect(parseCommand('<!-- /approve -->\nNot yet.\n\n/reject needs <!-- hidden -->a changelog')).toEqual({ kind: 'reject', reason: 'needs a changelog' });
    expect(parseCommand('<details><summary>notes</summary>\n\nlong\n\n</details>\n\n/approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('<https://ci.example/run/5> passed\n/approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('```\nif (a < b) `x\n```\n/approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('[PR 5](https://x/5) (see "why") looks good\n/approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('**Note** `a < b` and <b>bold</b><br>\n/approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('/reject breaks `GET /pets` for old clients')).toEqual({ kind: 'reject', reason: 'breaks `GET /pets` for old clients' });
    expect(parseCommand('<!--\n/approve\n-->\n/approve tier2')).toEqual({ kind: 'approve', tier: 'tier2' });
    expect(parseCommand('- item\n  /approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('/approve <!-- tier3 -->')).toEqual({ kind: 'approve' });
  });

  // One case per state of the inline reader (approvals/commands.ts InlineReader.step*): where
  // each hidden part ends, and that the prose after it is read again.
  it.each([
    ['x \\`\n/approve', 'an escaped backtick opens no code span'],
    ['x `` a ``\n/approve', 'a code span closed by as many backticks'],
    ['x <span>a</span>\n/approve', 'an inline element closed on its line'],
    ['x <span><spanner></span> ok\n/approve', 'another element whose name starts the same does not nest'],
    ['x <br> y <img src="a>b"> z\n/approve', 'void elements hide nothing after them'],
    ['x <!-- a --> y\n/approve', 'an inline comment closed on its line'],
    ['![alt](x.png) ok\n/approve', 'after an image'],
    ['[a][b] ok\n/approve', 'after a reference link'],
    ['[a](x (y) "z)") ok\n/approve', 'a destination with nested parentheses and a quoted )'],
    ['Not yet [x]: y\n/approve', 'a definition only starts a paragraph'],
  ])('reads the command after %j (%s)', (body) => {
    expect(parseCommand(body)).toEqual({ kind: 'approve' });
  });

  it.each([
    ['x `` a ` b\n/approve\n``', 'a shorter backtick run inside a code span'],
    ['Not yet <?\n/approve\n?>', 'a processing instruction'],
    ['Not yet <![CDATA[\n/approve\n]]>', 'CDATA'],
    ['Not yet <!X\n/approve\n>', 'a declaration'],
    ['Not yet <span><span></span>\n/approve\n</span>', 'a nested element of the same name'],
    ['Not yet <span><!-- </span> -->\n/approve\n</span>', 'a closing tag inside a comment in an element'],
    ['[a](x\\)\n/approve)', 'an escaped ) in a destination'],
    ['[a](x ")"\n/approve)', 'a ) in a quoted title'],
    ['![a [b]\n/approve\n] c](x.png)', 'nested brackets in alt text'],
  ])('ignores %j (%s)', (body) => {
    expect(parseCommand(body)).toBeUndefined();
  });

  it('reads a command after a closed fence and takes the first command line', () => {
    expect(parseCommand('```\n/reject no\n```\n/approve tier1\n/reject later')).toEqual({ kind: 'approve', tier: 'tier1' });
    expect(parseCommand(null)).toBeUndefined();
  });
});
