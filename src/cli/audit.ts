// `pj audit verify` and `pj audit export [--since T] [--repo R]`.
import type { Db } from '../store/database.js';
import { AuditLog } from '../governance/audit.js';

export interface AuditCliIo {
  out: ((text: string) => void) | { write(text: string): unknown };
  err: ((text: string) => void) | { write(text: string): unknown };
  cwd: string;
}

const HELP = `Usage:
  pj audit verify                          walk the audit hash chain; exit 1 naming the first broken row
  pj audit export [--since T] [--repo R]   print audit events as JSON lines (T: ISO time, R: owner/repo)
  pj audit --help
`;

function writer(target: AuditCliIo['out']): (text: string) => void {
  return typeof target === 'function' ? target : (text) => void target.write(text);
}

export async function runAudit(argv: string[], io: AuditCliIo, openDb: () => Promise<Db>): Promise<number> {
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
    err(`pj audit ${command}: unknown argument "${arg}"\n${HELP}`);
    return 2;
  }

  const db = await openDb();
  try {
    const log = new AuditLog(db);
    if (command === 'verify') {
      const result = await log.verify();
      if (result.ok) {
        out(`audit chain intact: ${result.count} events\n`);
        return 0;
      }
      err(
        `audit chain broken at row ${result.brokenAt} (time ${result.at}, type ${result.type}): ${result.field} — ${result.reason}; ${result.count} events before it verified\n`,
      );
      return 1;
    }
    for await (const event of log.export(filter)) out(`${JSON.stringify(event)}\n`);
    return 0;
  } finally {
    await db.destroy();
  }
}
