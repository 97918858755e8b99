// The PolicyProvider: the one place that says who may do what, which approval chain
// an action needs, and where audit evidence goes (the seed's VAULT seam). The pipeline
// asks it; nothing else hard-codes authorisation.
import type { Pack, Severity } from '../packs/schema.js';
import type { ActionProposal } from './action.js';
import type { AuditEvent, AuditEventInput, AuditLog } from './audit.js';
import { chainTemplateFor, type ChainTemplate } from '../approvals/template.js';
import { isEligible, type Actor as Approver, type Eligibility, type EligibilityContext, type EligibilityTier } from '../approvals/eligibility.js';

export type Actor =
  | { type: 'app' }
  | { type: 'pack'; packId: string }
  | { type: 'user'; login: string }
  | { type: 'worker'; id: string };

export function actorName(actor: Actor): string {
  switch (actor.type) {
    case 'app':
      return 'app';
    case 'pack':
      return `pack:${actor.packId}`;
    case 'user':
      return `user:${actor.login}`;
    case 'worker':
      return `worker:${actor.id}`;
  }
}

export type { ChainTemplate };

export interface Authorization {
  allowed: boolean;
  reason?: string;
}

export interface PolicyProvider {
  checkAuthorization(actor: Actor, action: ActionProposal): Promise<Authorization>;
  /** The chain a pack requires at a severity (for an action, when one is known); undefined: none. */
  getChainTemplate(action: ActionProposal | undefined, pack: Pack, severity: Severity): Promise<ChainTemplate | undefined>;
  writeAuditEvent(event: AuditEventInput): Promise<AuditEvent>;
  /** Optional batch form (one commit for a batch claim); the pipeline falls back to writeAuditEvent. */
  writeAuditEvents?(events: AuditEventInput[]): Promise<AuditEvent[]>;
}

/** The seam through which approval chains release waiting actions. */
export interface ChainGate {
  isApproved(chainKey: string): Promise<boolean>;
}

/** Until the approvals area provides one: no chain is ever approved, so waiting actions wait. */
export const neverApproved: ChainGate = { isApproved: async () => false };

/**
 * Backed by the packs and the store: the app may propose anything (judgement still
 * applies), a pack only actions that name it as their origin, and users nothing
 * directly — people act through approval chains.
 */
export class LocalPolicyProvider implements PolicyProvider {
  constructor(private readonly audit: AuditLog) {}

  async checkAuthorization(actor: Actor, action: ActionProposal): Promise<Authorization> {
    switch (actor.type) {
      case 'app':
      case 'worker':
        return { allowed: true };
      case 'pack':
        return action.origin?.packId === actor.packId
          ? { allowed: true }
          : { allowed: false, reason: `pack "${actor.packId}" may only propose actions for itself` };
      case 'user':
        return { allowed: false, reason: `user ${actor.login} cannot propose actions directly; approvals go through a chain` };
    }
  }

  /** An explicit `approvalChains[severity]`, else every tier whose `requiredFor` includes the severity, one step each. */
  async getChainTemplate(_action: ActionProposal | undefined, pack: Pack, severity: Severity): Promise<ChainTemplate | undefined> {
    const template = chainTemplateFor(pack, severity);
    return template.groups.length > 0 ? template : undefined;
  }

  writeAuditEvent(event: AuditEventInput): Promise<AuditEvent> {
    return this.audit.append(event);
  }

  /** The tier's users (case-insensitive) and active team members; never the author, a bot or the app. */
  checkApprover(actor: Approver, tier: EligibilityTier, ctx: EligibilityContext): Promise<Eligibility> {
    return isEligible(actor, tier, ctx);
  }

  writeAuditEvents(events: AuditEventInput[]): Promise<AuditEvent[]> {
    return this.audit.appendMany(events);
  }
}
