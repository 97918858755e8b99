// Issue 12, the audit "verified up to event N" badge and /api/v1/audit/verify: the chain is one
// for the whole app, so its head, its length and where it breaks are facts about every
// installation. A user who sees some installations is told about their own events only; the
// admin token (unscoped) gets the whole result.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, Browser, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  // The seed wrote events 1-2 (Codertocat, installation 1) and 3 (other-org, installation 2).
  // Four more of installation 1: the chain is 7 long, other-org has 1 event in it.
  for (let i = 0; i < 4; i++) await h.wiring.audit.append({ installationId: 1, actor: 'app', type: 'evaluation.completed', subject: { repo: 'Codertocat/Hello-World', prNumber: 10 + i }, details: {} });
});
afterEach(async () => {
  await h.stop();
});

async function verifyAs(login: string) {
  const b = new Browser(h.url);
  await b.signIn(h.fake, login);
  const api = await b.request('/api/v1/audit/verify');
  const page = await b.page('/admin/audit?verify=1');
  const badge = /<span class="badge [a-z]+" id="verified">[\s\S]*?<\/p>/.exec(page.text)?.[0] ?? '';
  return { json: (await api.json()) as Record<string, unknown>, badge };
}
const asToken = async () => (await (await fetch(`${h.url}/api/v1/audit/verify`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as Record<string, unknown>;

describe('verifying the audit chain, scoped', () => {
  it('an intact chain: mallory (other-org only) hears of her one event, never the chain’s 7; the admin token gets the whole result', async () => {
    const mallory = await verifyAs('mallory');
    expect(mallory.json).toEqual({ ok: true, upTo: 3, count: 1, scoped: true });
    expect(mallory.badge).toContain('chain verified up to your event 3');
    expect(mallory.badge).toContain('1 event of your installations checked');
    expect(mallory.badge).not.toMatch(/\b7\b/);
    const alice = await verifyAs('alice');
    expect(alice.json).toEqual({ ok: true, upTo: 7, count: 6, scoped: true });
    expect(await asToken()).toEqual({ ok: true, upTo: 7, count: 7 });
  });

  it('a broken chain: the owner of the broken row is told where; another installation only that its events after the break are unverified', async () => {
    // Tamper with event 5 (installation 1's) in the database.
    await h.db.updateTable('audit_events').set({ details: '{"forged":true}' }).where('id', '=', 5).execute();
    const mallory = await verifyAs('mallory');
    expect(mallory.json).toEqual({
      ok: false,
      upTo: 3,
      count: 1,
      scoped: true,
      reason: 'the chain is broken after this event, at an event outside your installations: your later events are not verified (an administrator with the admin token sees where)',
    });
    expect(JSON.stringify(mallory.json)).not.toMatch(/\b[4-7]\b/);
    expect(mallory.badge).not.toMatch(/\b[4-7]\b/);
    const alice = await verifyAs('alice');
    expect(alice.json).toMatchObject({ ok: false, upTo: 4, count: 3, brokenAt: 5, scoped: true });
    expect(alice.badge).toContain('broken at your event 5');
    const full = await asToken();
    expect(full).toMatchObject({ ok: false, upTo: 4, brokenAt: 5 });
    expect(full.scoped).toBeUndefined();
    expect(String(full.reason)).toContain('hash');
  });
});
