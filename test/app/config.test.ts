import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { parseDatabaseUrl } from '../../src/store/open.js';
import { testPrivateKey } from '../helpers/server.js';

describe('settings', () => {
  it('has working defaults for a fresh clone', () => {
    const s = loadSettings({});
    expect(s.port).toBe(3000);
    expect(s.databaseUrl).toBe('./data/puddlejumper.db');
    expect(s.configRepo).toBe('.github');
    expect(s.packsDir).toBe('policy-packs');
    expect(s.githubBaseUrl).toBe('https://api.github.com');
  });

  it('refuses production without credentials and names each missing one', () => {
    expect(() => loadSettings({ NODE_ENV: 'production' })).toThrow(
      'NODE_ENV=production needs APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH), WEBHOOK_SECRET',
    );
    expect(() => loadSettings({ NODE_ENV: 'production', APP_ID: '7', PRIVATE_KEY: testPrivateKey() })).toThrow(
      'needs WEBHOOK_SECRET: set it',
    );
  });

  it('starts in production with all three, reading the key from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pj-key-'));
    writeFileSync(join(dir, 'key.pem'), testPrivateKey());
    const s = loadSettings({ NODE_ENV: 'production', APP_ID: '7', PRIVATE_KEY_PATH: join(dir, 'key.pem'), WEBHOOK_SECRET: 's' });
    expect(s.appId).toBe(7);
    expect(s.privateKey).toContain('PRIVATE KEY');
  });

  it('stops on a bad value with a one-line reason', () => {
    expect(() => loadSettings({ PORT: 'eighty' })).toThrow(/^invalid setting PORT: /);
    expect(() => loadSettings({ APP_ID: 'abc' })).toThrow('invalid setting APP_ID: must be the numeric App ID');
    expect(() => loadSettings({ GHE_PROTOCOL: 'ftp' })).toThrow(/invalid setting GHE_PROTOCOL/);
    expect(() => loadSettings({ PRIVATE_KEY: 'hello' })).toThrow('invalid setting PRIVATE_KEY: not a PEM private key');
    expect(() => loadSettings({ PRIVATE_KEY_PATH: '/nonexistent/key.pem' })).toThrow(/cannot read \/nonexistent\/key.pem \(ENOENT\)/);
    expect(() => loadSettings({ PJ_PACKS_DIR: '/abs/' })).toThrow(/PJ_PACKS_DIR/);
  });

  it('PJ_REQUIRE_CONFIG: off by default, on with 1 or true, and a clear error otherwise', () => {
    expect(loadSettings({}).requireConfig).toBe(false);
    expect(loadSettings({ PJ_REQUIRE_CONFIG: '1' }).requireConfig).toBe(true);
    expect(loadSettings({ PJ_REQUIRE_CONFIG: 'true' }).requireConfig).toBe(true);
    expect(loadSettings({ PJ_REQUIRE_CONFIG: '0' }).requireConfig).toBe(false);
    expect(() => loadSettings({ PJ_REQUIRE_CONFIG: 'yes' })).toThrow('invalid setting PJ_REQUIRE_CONFIG: must be 1 or 0 (true or false)');
  });

  it('points at GitHub Enterprise Server when GHE_HOST is set', () => {
    expect(loadSettings({ GHE_HOST: 'github.acme.test' }).githubBaseUrl).toBe('https://github.acme.test/api/v3');
  });

  it('reads SQLite paths and sqlite: URLs, and keeps the Postgres seam', () => {
    expect(parseDatabaseUrl('./data/pj.db')).toEqual({ kind: 'sqlite', file: './data/pj.db' });
    expect(parseDatabaseUrl('sqlite:./data/pj.db')).toEqual({ kind: 'sqlite', file: './data/pj.db' });
    expect(parseDatabaseUrl('sqlite:///var/pj.db')).toEqual({ kind: 'sqlite', file: '/var/pj.db' });
    expect(parseDatabaseUrl('postgres://u@h/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h/db' });
    expect(() => parseDatabaseUrl('mysql://h/db')).toThrow('DATABASE_URL scheme is not supported');
  });
});
