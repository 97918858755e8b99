// Who may decide a step. Pure apart from the injected team-membership lookup.
//
// Eligible: a login listed in the tier (case-insensitive) or an active member of a listed
// team. Never the PR author unless allowAuthor; never a bot (`type: Bot` or a `[bot]`
// login) nor the app itself. A membership lookup that fails (an API error that outlived
// its retries) refuses: fail closed, with the reason.
import { sameLogin } from './chain.js';

export interface Actor {
  login: string;
  /** GitHub account type: 'User', 'Bot', 'Organization'. */
  type: string;
}

export interface EligibilityTier {
  name: string;
  users: string[];
  teams: string[];
}

export interface EligibilityContext {
  prAuthor: string;
  allowAuthor: boolean;
  /** The app's slug: its bot account is `${appSlug}[bot]`. */
  appSlug: string;
  isTeamMember(org: string, slug: string, login: string): Promise<boolean>;
}

export type Eligibility = { eligible: true; via: string } | { eligible: false; reason: string };

export function isBotActor(actor: Actor): boolean {
  return actor.type.toLowerCase() === 'bot' || /\[bot\]$/i.test(actor.login);
}

/** Refusals that do not depend on the tier (bot, app, author). */
export function actorRefusal(actor: Actor, ctx: Omit<EligibilityContext, 'isTeamMember'>): string | undefined {
  if (sameLogin(actor.login, ctx.appSlug) || sameLogin(actor.login, `${ctx.appSlug}[bot]`)) return 'bots cannot approve';
  if (isBotActor(actor)) return 'bots cannot approve';
  if (!ctx.allowAuthor && sameLogin(actor.login, ctx.prAuthor)) return `@${actor.login} is the author of this pull request`;
  return undefined;
}

/** "Director (acme/directors)", "Team Lead (@alice, acme/team-leads)". */
export function describeTier(tier: EligibilityTier): string {
  const who = [...tier.users.map((u) => `@${u}`), ...tier.teams];
  return who.length > 0 ? `${tier.name} (${who.join(', ')})` : tier.name;
}

export async function isEligible(actor: Actor, tier: EligibilityTier, ctx: EligibilityContext): Promise<Eligibility> {
  const refusal = actorRefusal(actor, ctx);
  if (refusal) return { eligible: false, reason: refusal };
  if (tier.users.some((u) => sameLogin(u, actor.login))) return { eligible: true, via: `@${actor.login}` };
  const errors: string[] = [];
  for (const team of tier.teams) {
    const [org, slug] = team.split('/') as [string, string];
    try {
      if (await ctx.isTeamMember(org, slug, actor.login)) return { eligible: true, via: team };
    } catch (err) {
      errors.push(`could not check membership of ${team}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const base = `@${actor.login} is not in ${describeTier(tier)}`;
  return { eligible: false, reason: errors.length > 0 ? `${base}; ${errors.join('; ')}` : base };
}
