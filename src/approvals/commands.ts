// Slash commands in PR comments. Pure.
//
// A command is a line that starts with `/` (up to three spaces of indentation, as in
// Markdown; four or more is an indented code block). Lines inside fenced code blocks
// (``` or ~~~) and quoted lines (`>`) are ignored, so quoting someone's `/approve` never
// approves. The first command line of the comment counts; the rest is ignored.
// Command words are case-insensitive; `/approved` is not `/approve`.

export type Command =
  | { kind: 'approve'; tier?: string }
  | { kind: 'approve_cancel' }
  | { kind: 'reject'; reason?: string }
  | { kind: 'recheck' }
  | { kind: 'help' }
  /** `/pj xyz` or `/approve a b`: answered with the help text. */
  | { kind: 'unknown'; text: string };

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The command lines of a comment body, outside code blocks and quotes. */
function commandLines(body: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const raw of body.split(/\r\n|\r|\n/)) {
    const f = FENCE.exec(raw);
    if (fence !== undefined) {
      // A fence closes with the same character, at least as long, and nothing else on the line.
      if (f && f[1]![0] === fence[0] && f[1]!.length >= fence.length && raw.trim() === f[1]) fence = undefined;
      continue;
    }
    if (f) {
      fence = f[1]!;
      continue;
    }
    if (/^ {0,3}>/.test(raw)) continue;
    const m = /^ {0,3}(\/\S.*)$/.exec(raw);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

function parseLine(line: string): Command | undefined {
  const [word = '', ...rest] = line.split(/\s+/);
  const args = rest.filter((a) => a.length > 0);
  switch (word.toLowerCase()) {
    case '/approve':
      if (args.length === 0) return { kind: 'approve' };
      if (args.length === 1 && args[0]!.toLowerCase() === 'cancel') return { kind: 'approve_cancel' };
      if (args.length === 1) return { kind: 'approve', tier: args[0]! };
      return { kind: 'unknown', text: line };
    case '/reject': {
      const reason = line.slice(word.length).trim();
      return reason ? { kind: 'reject', reason } : { kind: 'reject' };
    }
    case '/pj': {
      const sub = args.map((a) => a.toLowerCase()).join(' ');
      if (sub === 'recheck') return { kind: 'recheck' };
      if (sub === 'help') return { kind: 'help' };
      return { kind: 'unknown', text: line };
    }
    default:
      // Other bots' commands (`/label`, `/assign`) and paths (`/usr/bin`) are not ours.
      return undefined;
  }
}

/** The first PuddleJumper command of a comment, or undefined when it has none. */
export function parseCommand(body: string | null | undefined): Command | undefined {
  if (!body) return undefined;
  for (const line of commandLines(body)) {
    const cmd = parseLine(line);
    if (cmd) return cmd;
  }
  return undefined;
}

/** True when the command would change a chain (approve, cancel, reject). */
export function isDecisionCommand(cmd: Command | undefined): boolean {
  return cmd !== undefined && (cmd.kind === 'approve' || cmd.kind === 'approve_cancel' || cmd.kind === 'reject');
}
