// The anchors kept outside the database (the head on /metrics, checkpoints in the log),
// the settings, and the key staying out of everything the app writes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { AuditLog } from '../../src/governance/audit.js';
import { exportAuditHead } from '../../src/governance/metrics.js';
import { registry } from '../../src/metrics.js';
import { loadSettings } from '../../src/config.js';
import { wire } from '../../src/routes.js';
import { runAudit } from '../../src/cli/audit.js';
import { Clock, tempDir } from './helpers.js';

const KEY = 'pj-test-audit-key-anchors-5e8b2d71c3f94a06';
const cleanups: Array<() => void> = [];
afterEach(() => {
  exportAuditHead(undefined);
  cleanups.splice(0).forEach((c) => c());
});

function capture() {
  const lines: Array<{ level: string; obj: unknown; msg?: string }> = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal') } };
}

async function fileDb() {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const file = join(dir, 'pj.db');
  const db = openDatabase(file);
  await migrateToLatest(db);
  return { dir, file, db };
}

async function scrape(name: string): Promise<string> {
  return registry.getSingleMetricAsString(name);
}

describe('audit anchors', () => {
  it('/metrics exports the stored head and the latest checkpoint; a truncation shows as a drop', async () => {
    const { db } = await fileDb();
    const clock = new Clock();
    const audit = new AuditLog(sqlAuditEvents(db), { key: KEY, checkpointEvery: 2, now: clock.now });
    exportAuditHead(audit);
    expect(await scrape('pj_audit_head_sequence')).toMatch(/^pj_audit_head_sequence 0$/m);
    expect(await scrape('pj_audit_checkpoint_info')).not.toMatch(/pj_audit_checkpoint_info\{/);
    const events = await audit.appendMany(Array.from({ length: 5 }, (_, i) => ({ actor: 'app', type: 'evaluation', details: { i } })));
    expect(await scrape('pj_audit_head_sequence')).toMatch(/^pj_audit_head_sequence 5$/m);
    const checkpoint = await scrape('pj_audit_checkpoint_info');
    expect(checkpoint).toContain(`pj_audit_checkpoint_info{sequence="4",hash="${events[3]!.hash}"} 1`);
    expect(checkpoint.match(/pj_audit_checkpoint_info\{/g)).toHaveLength(1);

    // Someone deletes the last three rows: the next scrape says so, and Prometheus keeps the old values.
    await sql`delete from audit_events where id >= 3`.execute(db);
    expect(await scrape('pj_audit_head_sequence')).toMatch(/^pj_audit_head_sequence 2$/m);
    expect(await scrape('pj_audit_checkpoint_info')).toContain(`pj_audit_checkpoint_info{sequence="2",hash="${events[1]!.hash}"} 1`);
    // The exported checkpoint is what `--expect-head` takes: the truncated chain fails it.
    expect(await audit.verify({ expectHead: [{ sequence: 4, hash: events[3]!.hash }] })).toMatchObject({ ok: false, field: 'head', brokenAt: 4 });
    await db.destroy();
    // An unreachable database keeps the last values rather than failing the scrape.
    expect(await scrape('pj_audit_head_sequence')).toMatch(/^pj_audit_head_sequence 2$/m);
  });

  it('logs a checkpoint every N rows, across batches', async () => {
    const { db } = await fileDb();
    const { lines, log } = capture();
    const audit = new AuditLog(sqlAuditEvents(db), { checkpointEvery: 3, log });
    const events = [];
    for (let i = 0; i < 4; i++) events.push(...(await audit.appendMany([{ actor: 'app', type: 'a' }, { actor: 'app', type: 'b' }])));
    const checkpoints = lines.filter((l) => l.level === 'info').map((l) => (l.obj as { auditCheckpoint: string }).auditCheckpoint);
    expect(checkpoints).toEqual([`3:${events[2]!.hash}`, `6:${events[5]!.hash}`]);
    expect(lines[0]!.msg).toContain(`pj audit verify --expect-head 3:${events[2]!.hash}`);
    expect(await audit.verify({ expectHead: checkpoints.map((c) => ({ sequence: Number(c.split(':')[0]), hash: c.split(':')[1]! })) })).toMatchObject({ ok: true, count: 8 });
    await db.destroy();
  });

  it('the key never reaches the database, the logs, the export or the verify output', async () => {
    const { dir, file, db } = await fileDb();
    const { lines, log } = capture();
    const audit = new AuditLog(sqlAuditEvents(db), { key: KEY, checkpointEvery: 1, log });
    await audit.append({ actor: 'app', type: 'evaluation', subject: { repo: 'acme/api' }, details: { note: 'x' } });
    await new AuditLog(sqlAuditEvents(db), { checkpointEvery: 1, log }).append({ actor: 'app', type: 'evaluation' }); // a downgrade: warns
    await db.destroy();
    const out: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => out.push(s), cwd: dir };
    const open = async () => openDatabase(file);
    expect(await runAudit(['export'], io, open, { auditKey: KEY })).toBe(0);
    expect(await runAudit(['verify'], io, open, { auditKey: KEY })).toBe(1);
    expect(lines.map((l) => l.level)).toEqual(['info', 'warn', 'info']);
    expect(out.join('')).toContain('"hashVersion":3');

    const bytes = readdirSync(dir).map((name) => readFileSync(join(dir, name)));
    expect(bytes.length).toBeGreaterThan(0);
    for (const b of bytes) {
      expect(b.includes(KEY)).toBe(false);
      expect(b.includes(Buffer.from(KEY).toString('hex'))).toBe(false);
    }
    const text = JSON.stringify(lines) + out.join('');
    expect(text).not.toContain(KEY);
  });

  it('PJ_AUDIT_KEY and PJ_AUDIT_CHECKPOINT_EVERY are validated settings; a bad key is refused without echoing it', () => {
    expect(loadSettings({})).toMatchObject({ auditKey: undefined, auditCheckpointEvery: 1000 });
    expect(loadSettings({ PJ_AUDIT_KEY: '', PJ_AUDIT_CHECKPOINT_EVERY: '50' })).toMatchObject({ auditKey: undefined, auditCheckpointEvery: 50 });
    expect(loadSettings({ PJ_AUDIT_KEY: KEY }).auditKey).toBe(KEY);
    const short = 'short-secret-value';
    let message = '';
    try {
      loadSettings({ PJ_AUDIT_KEY: short });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('invalid setting PJ_AUDIT_KEY: must be at least 32 characters (e.g. the output of `openssl rand -hex 32`)');
    expect(() => loadSettings({ PJ_AUDIT_CHECKPOINT_EVERY: '0' })).toThrow(/invalid setting PJ_AUDIT_CHECKPOINT_EVERY/);
  });

  it('`pj audit verify` reads PJ_AUDIT_KEY from the environment, and refuses a bad one without echoing it', async () => {
    const { dir, file, db } = await fileDb();
    await new AuditLog(sqlAuditEvents(db), { key: KEY }).append({ actor: 'app', type: 't' });
    await db.destroy();
    const saved = process.env.PJ_AUDIT_KEY;
    const run = async (value: string | undefined) => {
      if (value === undefined) delete process.env.PJ_AUDIT_KEY;
      else process.env.PJ_AUDIT_KEY = value;
      const out: string[] = [];
      const code = await runAudit(['verify'], { out: (s) => out.push(s), err: (s) => out.push(s), cwd: dir }, async () => openDatabase(file));
      return { code, text: out.join('') };
    };
    try {
      expect(await run(KEY)).toMatchObject({ code: 0, text: expect.stringContaining('1 events (1 keyed)') });
      expect(await run(undefined)).toMatchObject({ code: 1, text: expect.stringContaining('set PJ_AUDIT_KEY') });
      const bad = await run('too-short-to-be-a-key');
      expect(bad).toEqual({ code: 2, text: expect.stringContaining('pj audit: invalid setting PJ_AUDIT_KEY: must be at least 32 characters') });
      expect(bad.text).not.toContain('too-short-to-be-a-key');
    } finally {
      if (saved === undefined) delete process.env.PJ_AUDIT_KEY;
      else process.env.PJ_AUDIT_KEY = saved;
    }
  });

  it('in production, start-up warns when PJ_AUDIT_KEY is not set, and the app then writes keyed rows when it is', async () => {
    const { db } = await fileDb();
    const production = { NODE_ENV: 'production', APP_ID: '1', PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----', WEBHOOK_SECRET: 's' };
    const start = (env: Record<string, string>) => {
      const { lines, log } = capture();
      const services: { audit: AuditLog } = wire({ app: { log, auth: async () => ({}) } as never, db, settings: loadSettings(env) });
      return { warnings: lines.filter((l) => l.level === 'warn').map((l) => String(l.obj)), services };
    };
    const unkeyed = start(production);
    expect(unkeyed.warnings).toEqual([expect.stringMatching(/^PJ_AUDIT_KEY is not set: the audit log is a plain hash chain/)]);
    expect(start({}).warnings).toEqual([]);
    const keyed = start({ ...production, PJ_AUDIT_KEY: KEY });
    expect(keyed.warnings).toEqual([]);
    expect((await keyed.services.audit.append({ actor: 'app', type: 't' })).hashVersion).toBe(3);
    await db.destroy();
  });
});
