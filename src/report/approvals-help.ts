// The `/pj help` reply: the chain, each step's state, who can still approve it, and the
// commands. Pure. No line of it starts with a command, so the app never reads its own
// reply as one.
import { sameLogin, type Chain, type Step } from '../approvals/chain.js';

export const HELP_MARKER = '<!-- puddlejumper:approvals-help -->';

export const STEP_STATE_LABEL: Record<Step['status'], string> = {
  waiting: '⏸️ waiting',
  active: '⏳ needs approval',
  approved: '✅ approved',
  rejected: '❌ rejected',
  skipped: '➖ skipped',
};

/**
 * Who can still approve a step: its listed users and teams, minus the PR author (unless
 * allowAuthor) and, with distinctApprovers, minus people who already filled another step.
 * Team members cannot be listed without API calls, so such exclusions are noted instead.
 */
export function whoCanStillApprove(chain: Chain, step: Step): string {
  if (step.status !== 'active' && step.status !== 'waiting') return '—';
  const tier = chain.tiers[step.tierId];
  if (!tier) return '—';
  const used = chain.options.distinctApprovers
    ? chain.steps.filter((s) => s.status === 'approved' && s.decidedBy !== undefined).map((s) => s.decidedBy!)
    : [];
  const excluded = (login: string) =>
    (!chain.options.allowAuthor && sameLogin(login, chain.prAuthor)) || used.some((u) => sameLogin(u, login));
  const who = [...tier.users.filter((u) => !excluded(u)).map((u) => `@${u}`), ...tier.teams.map((t) => `${t} members`)];
  const notes: string[] = [];
  if (tier.teams.length > 0) {
    if (!chain.options.allowAuthor) notes.push(`@${chain.prAuthor} (author)`);
    for (const u of used) notes.push(`@${u} (already approved a step)`);
  }
  if (who.length === 0) return 'nobody eligible is left';
  return notes.length > 0 ? `${who.join(', ')} — except ${notes.join(', ')}` : who.join(', ');
}

export function describeDecision(step: Step): string {
  if (!step.decidedBy) return '';
  const via = step.source ? ` via ${step.source.kind}` : '';
  const reason = step.reason ? `: “${step.reason}”` : '';
  return `@${step.decidedBy}, ${step.decidedAt ?? ''}${via}${reason}`;
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

export function chainTable(chain: Chain): string {
  const rows = chain.steps.map(
    (s) =>
      `| ${s.group + 1} | ${escapeCell(s.tierName)} (\`${s.tierId}\`) | ${STEP_STATE_LABEL[s.status]} | ${escapeCell(describeDecision(s))} | ${escapeCell(whoCanStillApprove(chain, s))} |`,
  );
  return ['| Group | Step | State | Decided by | Who can still approve |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const COMMANDS_HELP = [
  '**Commands** — at the start of a line of visible text (not in a quote, code or an HTML comment), in a new comment: editing a comment never approves, and editing `/approve` out of it retracts its approval.',
  '- `/approve` — approve the active step you are eligible for',
  '- `/approve <tier>` — approve one tier, e.g. `/approve tier2`',
  '- `/approve cancel` — retract your own approval',
  '- `/reject <reason>` — reject the chain for this commit',
  '- `/pj recheck` — re-run the evaluation',
  '- `/pj help` — show this message',
  '',
  'Reviews count too: *Approve* approves the active step you are eligible for, *Request changes* rejects it when the pack says so, and dismissing a review retracts what it gave, for good: a dismissed review never counts again.',
].join('\n');

export function buildHelpReply(chain: Chain | undefined, opts: { unknownCommand?: string } = {}): string {
  const parts = [HELP_MARKER, '### PuddleJumper approvals'];
  if (opts.unknownCommand) parts.push(`Unknown command \`${opts.unknownCommand.replace(/`/g, "'")}\`.`);
  if (!chain || chain.steps.length === 0) {
    parts.push('No approval is required for this pull request.');
  } else {
    const head = chain.headSha ? ` for \`${chain.headSha.slice(0, 7)}\`` : '';
    parts.push(`Approval chain${head} (severity **${chain.severity}**): **${chain.status}**`);
    parts.push(chainTable(chain));
  }
  parts.push(COMMANDS_HELP);
  return parts.join('\n\n');
}
