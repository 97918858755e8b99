// The PolicyProvider: the one place that says who may propose what and where audit
// evidence goes. The outbox asks it; nothing else hard-codes
// authorisation. (Which approval chain a PR needs is the gate's: contracts/gate.ts.)
import type { ActionProposal } from './action.js';
import type { AuditEvent, AuditEventInput, AuditLog } from './audit.js';
import type { AuditEventStore } from '../store/audit-events.js';

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

export interface Authorization {
  allowed: boolean;
  reason?: string;
}

export interface PolicyProvider {
  checkAuthorization(actor: Actor, action: ActionProposal): Promise<Authorization>;
  /** `within`: the audit rows of the transaction of the state change this event records (AuditLog.append). */
  writeAuditEvent(event: AuditEventInput, within?: AuditEventStore): Promise<AuditEvent>;
  /** Optional batch form (one commit for a batch claim); the pipeline falls back to writeAuditEvent. */
  writeAuditEvents?(events: AuditEventInput[], within?: AuditEventStore): Promise<AuditEvent[]>;
}

/** The seam through which approval chains release waiting actions. */
export interface ChainGate {
  isApproved(chainKey: string): Promise<boolean>;
}

/** The default of an outbox built without a chain store (its own tests): no chain is approved, so waiting actions wait. */
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

  writeAuditEvent(event: AuditEventInput, within?: AuditEventStore): Promise<AuditEvent> {
    return this.audit.append(event, within);
  }

  writeAuditEvents(events: AuditEventInput[], within?: AuditEventStore): Promise<AuditEvent[]> {
    return this.audit.appendMany(events, within);
  }
}
