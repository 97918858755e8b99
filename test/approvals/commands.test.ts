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

  it('reads a command after a closed fence and takes the first command line', () => {
    expect(parseCommand('```\n/reject no\n```\n/approve tier1\n/reject later')).toEqual({ kind: 'approve', tier: 'tier1' });
    expect(parseCommand(null)).toBeUndefined();
  });
});
