// The judge and notifications: test mode, and the denial codes an operator sees.
import { describe, expect, it } from 'vitest';
import { judge } from '../../src/governance/judge.js';
import { slackDispatcher } from '../../src/governance/dispatchers/slack.js';
import { emailDispatcher } from '../../src/governance/dispatchers/email.js';

const slack = slackDispatcher({ env: { SLACK_BOT_TOKEN: 'x' } });
const payload = { target: '#payments', text: '[test mode] acme/api#7: waiting for Team Lead' };
const origin = { packId: 'docs', valid: true, testMode: true };

describe('judge: notifications of a test-mode pack', () => {
  it('are denied unless the pack says testMode.notify', () => {
    expect(judge({ proposal: { kind: 'notify.slack', payload, origin }, dispatcher: slack, chainApproved: false })).toMatchObject({ decision: 'deny', code: 'test_mode' });
    expect(judge({ proposal: { kind: 'notify.slack', payload, origin: { ...origin, testModeNotify: true } }, dispatcher: slack, chainApproved: false })).toEqual({ decision: 'approve' });
  });

  it('testMode.notify does not open any other kind of write', () => {
    const j = judge({ proposal: { kind: 'comment.upsert', payload: {}, origin: { ...origin, testModeNotify: true } }, dispatcher: { validate: () => undefined }, chainApproved: false });
    expect(j).toMatchObject({ decision: 'deny', code: 'test_mode' });
  });

  it('missing mail settings are no_credentials', () => {
    const mail = emailDispatcher({ env: {} });
    const j = judge({
      proposal: { kind: 'notify.email', payload: { to: 'a@example.com', subject: 's', text: 't', html: '<p>t</p>' }, origin: { ...origin, testMode: false } },
      dispatcher: mail,
      chainApproved: false,
    });
    expect(j).toMatchObject({ decision: 'deny', code: 'no_credentials' });
  });
});
