// The seeded organisation: acme with its teams, the config repo acme/.github holding the
// example packs of this repository (policy-packs/), the service acme/payments-api (an
// OpenAPI spec, a package.json, a changelog) and acme/docs with the payments runbook.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { World } from './world.js';

export const PEOPLE = {
  admin: 'acme-admin',
  developer: 'devon',
  stranger: 'sam',
  lead: 'lena',
  director: 'dana',
} as const;

/** The folder of the package (where package.json and policy-packs/ are), from src/ or dist/src/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'puddlejumper') return dir;
    } catch {
      // not here
    }
    dir = dirname(dir);
  }
  throw new Error('playground: cannot find the puddlejumper package folder (policy-packs/)');
}

/**
 * The example packs, with two edits so they act in the playground and nothing leaves the
 * machine: the service repo is acme/payments-api (the examples say acme/payment-api), and
 * the audit-sink webhook goes to the playground's local sink instead of hooks.example.com.
 */
export function examplePacks(sinkBase: string): Record<string, string> {
  const dir = join(packageRoot(), 'policy-packs');
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), 'utf8')
      .replaceAll('acme/payment-api', 'acme/payments-api')
      .replaceAll('https://hooks.example.com/puddlejumper', `${sinkBase}/hooks/puddlejumper`);
    out[`policy-packs/${name}`] = text;
  }
  return out;
}

export const PAYMENTS_SPEC = `openapi: 3.0.3
info:
  title: Payments API
  version: 1.4.0
paths:
  /payments:
    post:
      operationId: createPayment
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/NewPayment'
      responses:
        '201':
          description: created
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Payment'
  /payments/{paymentId}:
    get:
      operationId: getPayment
      parameters:
        - name: paymentId
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Payment'
  /payments/{paymentId}/receipt:
    get:
      operationId: getReceipt
      parameters:
        - name: paymentId
          in: path
          required: true
          schema:
            type: string
      responses:
        '200':
          description: the receipt as PDF
  /refunds:
    post:
      operationId: createRefund
      parameters:
        - name: reason
          in: query
          required: false
          schema:
            type: string
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/NewRefund'
      responses:
        '201':
          description: created
components:
  schemas:
    NewPayment:
      type: object
      required: [amount, currency]
      properties:
        amount:
          type: integer
        currency:
          type: string
    Payment:
      type: object
      required: [id, amount, currency, status]
      properties:
        id:
          type: string
        amount:
          type: integer
        currency:
          type: string
        status:
          type: string
    NewRefund:
      type: object
      required: [paymentId]
      properties:
        paymentId:
          type: string
        amount:
          type: integer
`;

export const RUNBOOK = `# Payments runbook

Owner: @acme/payments

## Deployment Steps

1. Announce the deploy in #payments.
2. Run \`npm run migrate\` against the payments database.
3. Deploy with \`kubectl rollout restart deploy/payments-api\`.
4. Check \`GET /payments/{paymentId}/receipt\` for a recent payment.

## Configuration

| Variable | Meaning |
| --- | --- |
| \`PAYMENTS_DB_URL\` | the database |
| \`PAYMENTS_REFUND_WINDOW_DAYS\` | how many days a payment can be refunded |

## API reference

<!-- puddlejumper:api-reference spec=openapi/openapi.yaml -->
(PuddleJumper regenerates this section from openapi/openapi.yaml when the API changes.)
<!-- /puddlejumper:api-reference -->
`;

/** Seeds the organisation; returns nothing, the World holds it. */
export function seed(w: World, sinkBase: string): void {
  w.addTeam('team-leads', 'Team leads', [PEOPLE.lead]);
  w.addTeam('directors', 'Directors', [PEOPLE.director]);
  w.addTeam('platform', 'Platform', ['pat']);
  w.addTeam('payments', 'Payments', [PEOPLE.developer, PEOPLE.lead]);
  w.account(PEOPLE.stranger);
  w.addRepo('.github', { 'README.md': '# acme/.github\n\nPolicy packs for PuddleJumper live in `policy-packs/`.\n', ...examplePacks(sinkBase) }, { description: 'Organisation config: PuddleJumper policy packs' });
  w.addRepo(
    'payments-api',
    {
      'README.md': '# payments-api\n\nThe payments service. Its contract is `openapi/openapi.yaml`.\n',
      ...SEEDED_SERVICE_FILES(),
      'src/refunds.ts': "export const REFUND_WINDOW_DAYS = Number(process.env.PAYMENTS_REFUND_WINDOW_DAYS ?? 30);\n",
    },
    { description: 'The payments service (governed by the payments-api pack)' },
  );
  w.addRepo('docs', { 'README.md': '# acme docs\n', 'runbooks/payments.md': RUNBOOK }, { description: 'Runbooks and guides' });
}

/** The files of acme/payments-api the story changes, as seeded. */
export function SEEDED_SERVICE_FILES(): Record<string, string> {
  return { 'openapi/openapi.yaml': PAYMENTS_SPEC, 'package.json': packageJson('migrate'), 'CHANGELOG.md': '# Changelog\n\n## 1.4.0\n\n- Receipts as PDF.\n' };
}

/** The service's package.json, its migration script under `migrateScript`. */
export function packageJson(migrateScript: string): string {
  return `${JSON.stringify({ name: '@acme/payments-api', version: '1.4.0', private: true, scripts: { start: 'node dist/server.js', [migrateScript]: 'node dist/migrate.js' } }, null, 2)}\n`;
}

/** The breaking change of the story: receipts removed, a refund reason now required. */
export function breakingSpec(): string {
  return PAYMENTS_SPEC.replace(
    /  \/payments\/\{paymentId\}\/receipt:\n[\s\S]*?description: the receipt as PDF\n/,
    '',
  ).replace("        - name: reason\n          in: query\n          required: false", "        - name: reason\n          in: query\n          required: true");
}
