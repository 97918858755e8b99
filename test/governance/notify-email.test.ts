// notify.email against a real SMTP server on 127.0.0.1.
import { sqlCheckRunIds } from '../../src/store/check-runs.js';
import { ActionStore } from '../../src/store/actions.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createDefaultRegistry } from '../../src/governance/dispatchers/index.js';
import { emailMessageId } from '../../src/governance/dispatchers/email.js';
import type { PackOrigin } from '../../src/governance/action.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { fakeSmtp, header, type FakeSmtp } from '../notify/smtp.js';
import { auditTypes, harness, testOctokit } from './helpers.js';

const servers: FakeSmtp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const origin: PackOrigin = { packId: 'payments-api', valid: true, testMode: false, routing: { emailList: ['team@example.com'], webhooks: [] } };

async function setup(env: Record<string, string>) {
  const db = await openMemoryDatabase();
  const registry = createDefaultRegistry({ checkRunIds: sqlCheckRunIds(db), resultOf: (key) => new ActionStore(db).resultOf(key), getOctokit: async () => testOctokit(), env, retry: { 'notify.email': { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 } } });
  return harness({ db, registry });
}

const mail = (to: string, event = 'step.activated:acme/api#7@abc:1.director:2026-03-01T10:00:00.000Z') => ({
  installationId: 1,
  kind: 'notify.email',
  idempotencyKey: `${event}:email:${to}`,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: {
    to,
    subject: '@acme/directors: your approval is needed on acme/api#7 (step 2 of 3)',
    text: 'Your approval is needed.\nhttps://github.com/acme/api/pull/7\n',
    html: '<p><strong>Your approval is needed.</strong></p>',
    thread: 'acme/api#7@abc',
  },
  origin,
});

describe('notify.email', () => {
  it('sends text and HTML with a Message-ID per (event, recipient) and threads the mails of a chain', async () => {
    const smtp = await fakeSmtp();
    servers.push(smtp);
    const h = await setup({ SMTP_URL: smtp.url, PJ_MAIL_FROM: 'PuddleJumper <pj@acme.example>' });
    const a = await h.pipeline.propose(mail('directors@example.com'));
    const b = await h.pipeline.propose(mail('cto@example.com'));
    const c = await h.pipeline.propose(mail('directors@example.com', 'step.escalated:acme/api#7@abc:1.director:day0'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    for (const x of [a, b, c]) expect(await h.pipeline.get(x.id)).toMatchObject({ status: 'dispatched', attempts: 1 });
    expect(smtp.messages.map((m) => m.to)).toEqual([['directors@example.com'], ['cto@example.com'], ['directors@example.com']]);
    const [first, second, third] = smtp.messages.map((m) => m.raw);
    expect(header(first!, 'Subject')).toBe('@acme/directors: your approval is needed on acme/api#7 (step 2 of 3)');
    expect(header(first!, 'From')).toBe('PuddleJumper <pj@acme.example>');
    expect(header(first!, 'Content-Type')).toMatch(/^multipart\/alternative/);
    expect(first).toContain('Content-Type: text/plain');
    expect(first).toContain('Content-Type: text/html');
    expect(header(first!, 'Message-ID')).toBe(emailMessageId(a.idempotencyKey, 'pj@acme.example'));
    expect(header(first!, 'Message-ID')).toMatch(/^<pj\.[0-9a-f]{32}@acme\.example>$/);
    expect(new Set([header(first!, 'Message-ID'), header(second!, 'Message-ID'), header(third!, 'Message-ID')]).size).toBe(3);
    // One thread per chain and recipient.
    expect(header(third!, 'In-Reply-To')).toBe(header(first!, 'In-Reply-To'));
    expect(header(first!, 'References')).toBe(header(first!, 'In-Reply-To'));
    expect(header(second!, 'In-Reply-To')).not.toBe(header(first!, 'In-Reply-To'));
    expect(header(first!, 'X-PuddleJumper-Delivery')).toBe(a.idempotencyKey);
  });

  it('a server that refuses once (451) is retried and the mail is delivered once, with the same Message-ID', async () => {
    const smtp = await fakeSmtp((n) => (n === 1 ? { code: 451, message: 'greylisted, try again later' } : undefined));
    servers.push(smtp);
    const h = await setup({ SMTP_URL: smtp.url, PJ_MAIL_FROM: 'pj@acme.example' });
    const a = await h.pipeline.propose(mail('directors@example.com'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({ status: 'dispatched', attempts: 2 });
    expect(smtp.attempts).toBe(2);
    expect(smtp.messages).toHaveLength(1);
    expect(header(smtp.messages[0]!.raw, 'Message-ID')).toBe(emailMessageId(a.idempotencyKey, 'pj@acme.example'));
    // Proposed again (a redelivered event): nothing new goes out.
    await h.pipeline.propose(mail('directors@example.com'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(smtp.messages).toHaveLength(1);
  });

  it('a permanent refusal (550) fails the action at once with the server\'s reply', async () => {
    const smtp = await fakeSmtp(() => ({ code: 550, message: 'mailbox unavailable' }));
    servers.push(smtp);
    const h = await setup({ SMTP_URL: smtp.url, PJ_MAIL_FROM: 'pj@acme.example' });
    const a = await h.pipeline.propose(mail('nobody@example.com'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const failed = await h.pipeline.get(a.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed?.reason).toMatch(/^SMTP answered 550: .*mailbox unavailable/);
  });

  it('without SMTP_URL and PJ_MAIL_FROM the mail is denied for lack of credentials, not thrown', async () => {
    const h = await setup({ SMTP_URL: 'smtp://127.0.0.1:1' });
    const a = await h.pipeline.propose(mail('directors@example.com'));
    expect(a).toMatchObject({ status: 'denied', reason: 'routing target directors@example.com has no credentials (set SMTP_URL and PJ_MAIL_FROM)' });
    expect((await auditTypes(h.db, a.id)).find((e) => e.type === 'action.denied')?.details.code).toBe('no_credentials');
  });
});
