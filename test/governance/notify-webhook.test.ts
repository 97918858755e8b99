// notify.webhook over real HTTP on 127.0.0.1: signature, stable delivery id, retries, and the
// rules that keep pack authors away from the App's secrets and network position.
import { sqlCheckRunIds } from '../../src/store/check-runs.js';
import { ActionStore } from '../../src/store/actions.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { PackOrigin } from '../../src/governance/action.js';
import { createDefaultRegistry } from '../../src/governance/dispatchers/index.js';
import { forbiddenAddressKind, type Resolve } from '../../src/governance/dispatchers/outbound.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { fakeServer, type FakeServer } from '../notify/fake-server.js';
import { auditTypes, harness, testOctokit } from './helpers.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const RETRY = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };

async function setup(env: Record<string, string>, resolve?: Resolve) {
  const db = await openMemoryDatabase();
  const registry = createDefaultRegistry({ checkRunIds: sqlCheckRunIds(db), resultOf: (key) => new ActionStore(db).resultOf(key),
    getOctokit: async () => testOctokit(),
    env,
    webhookTimeoutMs: 300,
    ...(resolve ? { resolve } : {}),
    retry: { 'notify.webhook': RETRY },
  });
  return harness({ db, registry });
}

function origin(url: string, secretEnv = 'PJ_SECRET_HOOK'): PackOrigin {
  return { packId: 'payments-api', valid: true, testMode: false, routing: { emailList: [], webhooks: [{ name: 'ops', url, secretEnv }] } };
}

const proposal = (o: PackOrigin, key = 'step.approved:acme/api#7@abc:0.lead:comment-1:webhook:ops') => ({
  installationId: 1,
  kind: 'notify.webhook',
  idempotencyKey: key,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: { target: 'ops', event: 'step.approved', occurredAt: '2026-03-01T10:00:00.000Z', body: { title: 'Team Lead approved by @alice' } },
  origin: o,
});

/** The receiver side, as the README shows it. */
function verifySignature(secret: string, rawBody: string, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('notify.webhook delivery', () => {
  it('POSTs the versioned event body with the event, a stable delivery id and a signature the receiver can verify', async () => {
    const receiver = await fakeServer(() => ({ status: 200, body: { thanks: 'secret-looking response that must not be stored' } }));
    servers.push(receiver);
    const h = await setup({ PJ_SECRET_HOOK: 's3cret', PJ_ALLOW_HTTP_WEBHOOKS: '1' });
    const action = await h.pipeline.propose(proposal(origin(`${receiver.url}/hook`)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const done = await h.pipeline.get(action.id);
    expect(done).toMatchObject({ status: 'dispatched', result: { target: 'ops', status: 200 } });
    expect(JSON.stringify(done?.result)).not.toContain('secret-looking');
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    expect(req!.headers['x-puddlejumper-event']).toBe('step.approved');
    expect(req!.headers['x-puddlejumper-delivery']).toBe(action.idempotencyKey);
    expect(verifySignature('s3cret', req!.body, req!.headers['x-puddlejumper-signature-256'] as string)).toBe(true);
    expect(verifySignature('wrong', req!.body, req!.headers['x-puddlejumper-signature-256'] as string)).toBe(false);
    expect(JSON.parse(req!.body)).toEqual({
      schema: 'puddlejumper.event/v1',
      event: 'step.approved',
      delivery: action.idempotencyKey,
      occurredAt: '2026-03-01T10:00:00.000Z',
      installationId: 1,
      subject: { repo: 'acme/api', prNumber: 7 },
      data: { title: 'Team Lead approved by @alice' },
    });
    // The same proposal again (a redelivered GitHub webhook) sends nothing new.
    await h.pipeline.propose(proposal(origin(`${receiver.url}/hook`)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(receiver.received).toHaveLength(1);
  });

  it('a receiver that times out is retried with the same delivery id and signature, and delivered', async () => {
    const receiver = await fakeServer((_req, n) => (n === 1 ? 'hang' : { status: 202 }));
    servers.push(receiver);
    const h = await setup({ PJ_SECRET_HOOK: 's3cret', PJ_ALLOW_HTTP_WEBHOOKS: '1' });
    const action = await h.pipeline.propose(proposal(origin(`${receiver.url}/hook`)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 2, result: { status: 202 } });
    expect(receiver.received).toHaveLength(2);
    const [a, b] = receiver.received;
    expect(b!.headers['x-puddlejumper-delivery']).toBe(a!.headers['x-puddlejumper-delivery']);
    expect(b!.headers['x-puddlejumper-signature-256']).toBe(a!.headers['x-puddlejumper-signature-256']);
    expect(b!.body).toBe(a!.body);
  }, 60_000);

  it('a receiver that is down for good ends as a failed action with its error', async () => {
    const receiver = await fakeServer(() => ({ status: 200 }));
    const url = `${receiver.url}/hook`;
    await receiver.close();
    const h = await setup({ PJ_SECRET_HOOK: 's3cret', PJ_ALLOW_HTTP_WEBHOOKS: '1' });
    const action = await h.pipeline.propose(proposal(origin(url)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const failed = await h.pipeline.get(action.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed?.lastError ?? failed?.reason).toMatch(/POST 127\.0\.0\.1 failed: ECONNREFUSED/);
  });

  it('a 5xx is retried; a 4xx fails at once, with status and size but not the body in the error', async () => {
    const receiver = await fakeServer((_req, n) => (n === 1 ? { status: 503 } : { status: 401, body: 'token=abc123 is invalid' }));
    servers.push(receiver);
    const h = await setup({ PJ_SECRET_HOOK: 's3cret', PJ_ALLOW_HTTP_WEBHOOKS: '1' });
    const action = await h.pipeline.propose(proposal(origin(`${receiver.url}/hook`)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const failed = await h.pipeline.get(action.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed?.reason).toMatch(/answered 401 \(23 bytes\)/);
    expect(JSON.stringify(failed)).not.toContain('abc123');
  });
});

describe('notify.webhook: pack authors do not get the App\'s secrets or network position', () => {
  it('secretEnv PRIVATE_KEY is refused at judgement, even when the variable is set; nothing is sent', async () => {
    const receiver = await fakeServer(() => ({ status: 200 }));
    servers.push(receiver);
    const h = await setup({ PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----', PJ_ALLOW_HTTP_WEBHOOKS: '1' });
    const action = await h.pipeline.propose(proposal(origin(`${receiver.url}/hook`, 'PRIVATE_KEY')));
    expect(action).toMatchObject({ status: 'denied', reason: 'routing target ops: secretEnv PRIVATE_KEY is not allowed; only PJ_SECRET_* variables may be named' });
    expect((await auditTypes(h.db, action.id)).find((e) => e.type === 'action.denied')?.details.code).toBe('forbidden_target');
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(receiver.received).toEqual([]);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', /URL must use https/],
    ['https://169.254.169.254/latest/meta-data/', /URL points to a link-local address \(169\.254\.169\.254\)/],
    ['https://[::ffff:169.254.169.254]/', /link-local address/],
    ['https://10.1.2.3/hook', /private address/],
    ['https://[fd00::1]/hook', /unique-local address/],
    ['http://hooks.example.com/pj', /URL must use https/],
  ])('%s is refused at judgement', async (url, reason) => {
    const h = await setup({ PJ_SECRET_HOOK: 's3cret' });
    const action = await h.pipeline.propose(proposal(origin(url)));
    expect(action.status).toBe('denied');
    expect(action.reason).toMatch(reason);
  });

  it('plain http to loopback needs PJ_ALLOW_HTTP_WEBHOOKS=1', async () => {
    const h = await setup({ PJ_SECRET_HOOK: 's3cret' });
    const action = await h.pipeline.propose(proposal(origin('http://127.0.0.1:9/hook')));
    expect(action.reason).toMatch(/must use https \(plain http only to a loopback host with PJ_ALLOW_HTTP_WEBHOOKS=1\)/);
  });

  it('a host that resolves to the metadata address (or any non-public one) is refused at dispatch, before connecting, and not retried', async () => {
    const resolved: string[] = [];
    const resolve: Resolve = async (host) => {
      resolved.push(host);
      return host === 'rebind.example.com' ? [{ address: '93.184.216.34', family: 4 }, { address: '169.254.169.254', family: 4 }] : [{ address: '10.0.0.5', family: 4 }];
    };
    const h = await setup({ PJ_SECRET_HOOK: 's3cret' }, resolve);
    const a = await h.pipeline.propose(proposal(origin('https://rebind.example.com/hook'), 'k1'));
    const b = await h.pipeline.propose(proposal(origin('https://internal.example.com/hook'), 'k2'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await h.pipeline.get(a.id))?.reason).toMatch(/rebind\.example\.com resolves to a link-local address \(169\.254\.169\.254\)/);
    expect((await h.pipeline.get(b.id))?.reason).toMatch(/internal\.example\.com resolves to a private address \(10\.0\.0\.5\)/);
    expect(resolved).toEqual(['rebind.example.com', 'internal.example.com']);
  });

  it('a redirect to loopback is not followed: the delivery fails and the loopback target is never reached', async () => {
    const inside = await fakeServer(() => ({ status: 200 }));
    const receiver = await fakeServer(() => ({ status: 307, headers: { location: `${inside.url}/admin` } }));
    servers.push(inside, receiver);
    const h = await setup({ PJ_SECRET_HOOK: 's3cret', PJ_ALLOW_HTTP_WEBHOOKS: '1' });
    const action = await h.pipeline.propose(proposal(origin(`${receiver.url}/hook`)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await h.pipeline.get(action.id))?.reason).toMatch(/answered 307 \(a redirect; redirects are not followed\)/);
    expect(receiver.received).toHaveLength(1);
    expect(inside.received).toEqual([]);
  });

  it('PJ_WEBHOOK_ALLOWED_HOSTS lets a named internal host through', async () => {
    const receiver = await fakeServer(() => ({ status: 200 }));
    servers.push(receiver);
    // localhost over https is not possible here; an allowed host skips the address rules, http still needs the flag.
    const h = await setup({ PJ_SECRET_HOOK: 's3cret', PJ_ALLOW_HTTP_WEBHOOKS: '1', PJ_WEBHOOK_ALLOWED_HOSTS: 'localhost' });
    const action = await h.pipeline.propose(proposal(origin(`http://localhost:${receiver.port}/hook`)));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched' });
  });
});

describe('forbiddenAddressKind', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
  ])('%s is %s', (ip, kind) => {
    expect(forbiddenAddressKind(ip)).toBe(kind);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111'])('%s is public', (ip) => {
    expect(forbiddenAddressKind(ip)).toBeUndefined();
  });
});
