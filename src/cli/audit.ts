// `pj audit verify [--expect-head SEQ:HASH]` and `pj audit export [--since T] [--repo R]`.
import type { Db } from '../store/database.js';
import { AuditLog, formatHead, parseHead, type AuditHead } from '../governance/audit.js';
import { sqlAuditEvents } from '../store/audit-events.js';
import { loadSettings } from '../config.js';

export interface AuditCliIo {
  out: ((text: string) => void) | { write(text: string): unknown };
  err: ((text: string) => void) | { write(text: string): unknown };
  cwd: string;
}

const HELP = `Usage:
  pj audit verify [--expect-head SEQ:HASH]  walk the audit hash chain; exit 1 naming the first broken row
  pj audit export [--since T] [--repo R]    print audit events as JSON lines (T: ISO time, R: owner/repo)
  pj audit --help

verify checks keyed rows with PJ_AUDIT_KEY (the key the app writes with). It prints the
chain's head as SEQ:HASH: keep it (or a checkpoint the app logs and exports as the metric
pj_audit_checkpoint_info) outside the database, and pass it back with --expect-head
(repeatable) to detect rows removed from the end: exit 1 if the chain does not reach
row SEQ or has another hash there.
`;

export interface AuditCliOptions {
  /** PJ_AUDIT_KEY; read from the environment when not given. */
  auditKey?: string;
}

function writer(target: AuditCliIo['out']): (text: string) => void {
  return typeof target === 'function' ? target : (text) => void target.write(text);
}

export async function runAudit(argv: string[], io: AuditCliIo, openDb: () => Promise<Db>, options?: AuditCliOptions): Promise<number> {
  const out = writer(io.out);
  const err = writer(io.err);
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help' || rest.includes('--help')) {
    (command === undefined ? err : out)(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'verify' && command !== 'export') {
    err(`pj audit: unknown command "${command}"\n${HELP}`);
    return 2;
  }
  const filter: { since?: string; repo?: string } = {};
  const expectHead: AuditHead[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (command === 'export' && (flag === '--since' || flag === '--repo')) {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '') {
        err(`pj audit export: ${flag} needs a value\n`);
        return 2;
      }
      if (flag === '--since') {
        const t = Date.parse(value);
        if (Number.isNaN(t)) {
          err(`pj audit export: --since is not a time: ${value}\n`);
          return 2;
        }
        filter.since = new Date(t).toISOString();
      } else filter.repo = value;
      continue;
    }
    if (command === 'verify' && flag === '--expect-head') {
      const value = inline ?? rest[++i];
      const head = value === undefined ? undefined : parseHead(value);
      if (!head) {
        err(`pj audit verify: --expect-head needs SEQ:HASH (a row id and its 64-hex-digit hash), got ${value === undefined ? 'nothing' : JSON.stringify(value)}\n`);
        return 2;
      }
      expectHead.push(head);
      continue;
    }
    err(`pj audit ${command}: unknown argument "${arg}"\n${HELP}`);
    return 2;
  }

  let key = options?.auditKey;
  if (options === undefined && command === 'verify') {
    try {
      key = loadSettings().auditKey;
    } catch (error) {
      err(`pj audit: ${(error as Error).message}\n`);
      return 2;
    }
  }
  const db = await openDb();
  try {
    const log = new AuditLog(sqlAuditEvents(db), key ? { key } : {});
    if (command === 'verify') {
      const result = await log.verify({ expectHead });
      if (result.ok) {
        const { legacy, plain, keyed } = result.schemes;
        const kinds = [
          keyed > 0 ? `${keyed} keyed` : undefined,
          plain > 0 ? `${plain} plain-hashed (not protected against forgery)` : undefined,
          legacy > 0 ? `${legacy} legacy (before the keyed scheme; id and repo checked by links only)` : undefined,
        ].filter((k) => k !== undefined);
        const reached = expectHead.length > 0 ? `; reaches ${expectHead.map((h) => `row ${h.sequence}`).join(', ')} as expected` : '';
        out(
          result.head
            ? `audit chain intact: ${result.count} events (${kinds.join(', ')})${reached}\nhead ${formatHead(result.head)}\n`
            : `audit chain intact: 0 events (the log is empty)\n`,
        );
        return 0;
      }
      const where = result.at !== undefined ? `row ${result.brokenAt} (time ${result.at}, type ${result.type})` : `row ${result.brokenAt}`;
      err(`audit chain broken at ${where}: ${result.field} — ${result.reason}; ${result.count} events before it verified\n`);
      return 1;
    }
    for await (const event of log.export(filter)) out(`${JSON.stringify(event)}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}
