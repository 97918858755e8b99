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
  ])('ignores %j (%s)', (body) => {
    expect(parseCommand(body)).toBeUndefined();
  });

  it('reads the visible text around hidden parts', () => {
    expect(parseCommand('<!-- /approve -->\nNot yet.\n\n/reject needs <!-- hidden -->a changelog')).toEqual({ kind: 'reject', reason: 'needs a changelog' });
    expect(parseCommand('<details>\n\n/approve\n\n</details>')).toEqual({ kind: 'approve' });
    expect(parseCommand('<!--\n/approve\n-->\n/approve tier2')).toEqual({ kind: 'approve', tier: 'tier2' });
    expect(parseCommand('- item\n  /approve')).toEqual({ kind: 'approve' });
    expect(parseCommand('/approve <!-- tier3 -->')).toEqual({ kind: 'approve' });
  });

  it('reads a command after a closed fence and takes the first command line', () => {
    expect(parseCommand('```\n/reject no\n```\n/approve tier1\n/reject later')).toEqual({ kind: 'approve', tier: 'tier1' });
    expect(parseCommand(null)).toBeUndefined();
  });
});
