// The routing part of the pack schema: what `pj validate` tells an admin about notifications.
import { describe, expect, it } from 'vitest';
import { packJsonSchema } from '../../src/packs/json-schema.js';
import { DEFAULT_CHANNEL_EVENTS, NOTIFY_EVENTS } from '../../src/packs/notify-events.js';
import type { InvalidPack, LoadedPack } from '../../src/packs/types.js';
import { validatePackFile } from '../../src/packs/validate.js';
import { known } from '../packs/known.js';

const BASE = `id: demo
name: Demo
scope: { type: repo, ref: acme/demo }
`;

function errorsOf(loaded: LoadedPack): string[] {
  if (loaded.valid) throw new Error('expected an invalid pack');
  return (loaded as InvalidPack).errors.map((e) => `${e.line}:${e.column} ${e.message}`);
}

describe('pack routing: validation', () => {
  it('accepts every channel with its events filter, tier routing and testMode.notify', () => {
    const loaded = validatePackFile(
      'p.yml',
      `${BASE}testMode: { enabled: true, notify: true }
approvalTiers:
  lead: { name: Lead, teams: [acme/leads], emails: [leads@example.com], slackChannel: "#leads", escalateAfterHours: 8 }
routing:
  slackChannel: "#payments"
  slackEvents: [step.activated, chain.completed]
  emailList: [team@example.com]
  emailEvents: []
  pagerDuty: { routingKeyEnv: PJ_SECRET_PD, events: [step.escalated] }
  webhooks:
    - { url: "https://hooks.example.com/pj", secretEnv: PJ_SECRET_HOOK, events: [contracts.blocked] }
`,
      known,
    );
    expect(loaded.valid).toBe(true);
    if (!loaded.valid) return;
    expect(loaded.pack.routing.pagerDuty).toEqual({ routingKeyEnv: 'PJ_SECRET_PD', events: ['step.escalated'] });
    expect(loaded.pack.approvalTiers.lead?.escalateAfterHours).toBe(8);
    expect(loaded.pack.testMode).toEqual({ enabled: true, notify: true });
  });

  it('a pack without the new fields keeps its version hash shape: nothing new is defaulted into it', () => {
    const loaded = validatePackFile('p.yml', `${BASE}routing: { slackChannel: "#x" }\n`, known);
    expect(loaded.valid).toBe(true);
    if (!loaded.valid) return;
    expect(loaded.pack.routing).toEqual({ slackChannel: '#x', emailList: [], webhooks: [] });
    expect(loaded.pack.testMode).toEqual({ enabled: false });
  });

  it('a misspelt event name is an error at its line, listing the known events', () => {
    const errors = errorsOf(validatePackFile('p.yml', `${BASE}routing:\n  slackChannel: "#x"\n  slackEvents: [step.activated, step.aproved]\n`, known));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^6:33 routing\.slackEvents\[1\]: expected one of "contracts\.blocked", .*got the string "step\.aproved"/);
  });

  it('a misspelt channel is an unknown key with a suggestion', () => {
    const errors = errorsOf(validatePackFile('p.yml', `${BASE}routing:\n  pagerduty: { routingKeyEnv: PJ_SECRET_PD }\n`, known));
    expect(errors).toEqual(['5:3 unknown key "pagerduty" in routing (did you mean "pagerDuty"?)']);
  });

  it.each(['PRIVATE_KEY', 'WEBHOOK_SECRET', 'SLACK_BOT_TOKEN', 'pj_secret_x', 'PJ_SECRET_'])('secretEnv %s is refused: only PJ_SECRET_* may be named', (name) => {
    const errors = errorsOf(
      validatePackFile('p.yml', `${BASE}routing:\n  webhooks: [{ url: "https://h.example.com/", secretEnv: ${name} }]\n`, known),
    );
    expect(errors).toEqual([expect.stringMatching(/routing\.webhooks\[0\]\.secretEnv: must name an environment variable starting with PJ_SECRET_/)]);
  });

  it('routingKeyEnv follows the same rule', () => {
    const errors = errorsOf(validatePackFile('p.yml', `${BASE}routing:\n  pagerDuty: { routingKeyEnv: GITHUB_TOKEN }\n`, known));
    expect(errors).toEqual([expect.stringMatching(/routing\.pagerDuty\.routingKeyEnv: must name an environment variable starting with PJ_SECRET_/)]);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data', /must be an https URL/],
    ['http://hooks.example.com/pj', /must be an https URL/],
    ['ftp://hooks.example.com/pj', /.+/],
    ['https://user:pw@hooks.example.com/pj', /must not carry credentials/],
  ])('webhook url %s is refused', (url, message) => {
    const errors = errorsOf(validatePackFile('p.yml', `${BASE}routing:\n  webhooks: [{ url: "${url}", secretEnv: PJ_SECRET_H }]\n`, known));
    expect(errors).toEqual([expect.stringMatching(message)]);
  });

  it('http to a loopback host passes the schema (the dispatcher still requires PJ_ALLOW_HTTP_WEBHOOKS=1)', () => {
    const loaded = validatePackFile('p.yml', `${BASE}routing:\n  webhooks: [{ url: "http://127.0.0.1:8080/hook", secretEnv: PJ_SECRET_H }]\n`, known);
    expect(loaded.valid).toBe(true);
  });

  it('tier routing is checked too', () => {
    const errors = errorsOf(
      validatePackFile('p.yml', `${BASE}approvalTiers:\n  lead: { name: Lead, users: [al], emails: [nope], slackChannel: "no spaces" }\n`, known),
    );
    expect(errors).toHaveLength(2);
    expect(errors.join('\n')).toMatch(/approvalTiers\.lead\.emails\[0\]/);
    expect(errors.join('\n')).toMatch(/approvalTiers\.lead\.slackChannel: must be a Slack channel/);
  });
});

describe('pack routing: JSON Schema', () => {
  it('describes every routing field with examples, and the default event set per channel', () => {
    const schema = packJsonSchema() as { properties: Record<string, { properties: Record<string, Record<string, unknown>> }> };
    const routing = schema.properties.routing!.properties;
    for (const key of ['slackChannel', 'slackEvents', 'emailList', 'emailEvents', 'pagerDuty', 'webhooks']) {
      expect(routing[key]?.description, key).toEqual(expect.any(String));
      expect(routing[key]?.examples, key).toEqual(expect.any(Array));
    }
    expect(routing.slackEvents?.default).toEqual([...DEFAULT_CHANNEL_EVENTS.slack]);
    expect((routing.slackEvents?.items as { enum: string[] }).enum).toEqual([...NOTIFY_EVENTS]);
    const hook = (routing.webhooks?.items as { properties: Record<string, { description?: string; examples?: unknown[] }> }).properties;
    for (const key of ['url', 'secretEnv', 'events']) expect(hook[key]?.description, key).toEqual(expect.any(String));
    const tier = (schema.properties.approvalTiers as unknown as { additionalProperties: { properties: Record<string, { default?: unknown }> } })
      .additionalProperties.properties;
    expect(tier.escalateAfterHours?.default).toBe(24);
  });
});
