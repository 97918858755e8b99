// A valid Track B pack for use-case tests.
import { Pack } from '../../src/packs/schema.js';
import type { ValidPack } from '../../src/packs/types.js';

export function PackSchemaForTest(trackB: Record<string, unknown> = {}): ValidPack {
  const pack = Pack.parse({
    id: 'payments-docs',
    name: 'Payments docs',
    scope: { type: 'repo', ref: 'acme/payments-api' },
    trackB: { primaryDoc: { system: 'github', repo: 'acme/docs', path: 'runbooks/payments.md', class: 'runbook' }, driftTypes: [{ type: 'instruction', sectionTarget: 'Deployment Steps' }], ...trackB },
    approvalTiers: { lead: { name: 'Lead', users: ['lena'], requiredFor: ['high', 'critical'] } },
  });
  return { valid: true, file: 'policy-packs/payments.yml', pack, versionHash: 'v1' };
}
