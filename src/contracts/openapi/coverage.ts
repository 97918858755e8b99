// Which ids of the catalogue the engine reports, family by family: the source of
// docs/openapi-rules.md (a test fails when the committed file differs from renderRulesTable()).
// Ids the schema comparer reports are derived from its kinds and prefixes, the others are
// listed by family; a test checks that every id a fixture produces is listed here.
import { MEDIA_TYPE_NAME_IDS } from './media-type-names.js';
import { SUNSET_POLICY_IDS } from './sunset-policy.js';
import { CATALOGUE_IDS, ENGINE_RULE_IDS, RULES } from './rules.js';
import { RENAMED_SCHEMA_IDS, SCHEMA_KINDS, SCHEMA_PREFIXES, SCHEMA_PROPERTY_IDS } from './schema-compare.js';

export type Coverage = 'implemented' | 'not applicable' | 'not yet';

const FAMILY_IDS: Readonly<Record<string, readonly string[]>> = {
  'paths.ts': [
    'api-path-removed-without-deprecation', 'api-path-removed-before-sunset', 'api-path-removed-with-deprecation', 'api-path-sunset-parse',
    'api-removed-without-deprecation', 'api-removed-before-sunset', 'api-removed-with-deprecation', 'api-deprecated-sunset-parse',
    'endpoint-added', 'endpoint-deprecated', 'endpoint-deprecated-with-sunset', 'endpoint-reactivated', 'sunset-deleted',
    'api-sunset-date-changed-too-small', 'api-operation-id-added', 'api-operation-id-removed', 'api-tag-added', 'api-tag-removed',
    'webhook-added', 'webhook-removed', 'api-stability-decreased', 'api-stability-increased', 'api-invalid-stability-level',
    ENGINE_RULE_IDS.pathTemplateCollision,
  ],
  'parameters.ts': [
    'new-request-path-parameter', 'new-required-request-parameter', 'new-optional-request-parameter', 'request-parameter-removed',
    'request-parameter-sunset-parse', 'request-parameter-removed-before-sunset', 'request-parameter-removed-with-deprecation',
    'request-parameter-became-required', 'request-parameter-became-optional', 'request-parameter-deprecated', 'request-parameter-reactivated',
    'request-parameter-sunset-deleted', 'request-parameter-sunset-date-changed-too-small',
    'new-required-request-default-parameter-to-existing-path', 'new-optional-request-default-parameter-to-existing-path',
  ],
  'request-bodies.ts': [
    'request-body-added-required', 'request-body-added-optional', 'request-body-removed', 'request-body-became-required',
    'request-body-became-optional', 'request-body-media-type-added', 'request-body-media-type-removed',
    'request-body-media-type-schema-added', 'request-body-media-type-schema-removed',
  ],
  'responses.ts': [
    'response-success-status-removed', 'response-non-success-status-removed', 'response-success-status-added',
    'response-non-success-status-added', 'response-media-type-added', 'response-media-type-removed',
    'response-body-media-type-schema-added', 'response-body-media-type-schema-removed', 'required-response-header-removed',
    'optional-response-header-removed', 'response-header-became-optional', 'response-header-added',
  ],
  'media-type-names.ts': MEDIA_TYPE_NAME_IDS,
  'security.ts': [
    'api-global-security-added', 'api-global-security-removed', 'api-global-security-scope-added', 'api-global-security-scope-removed',
    'api-security-added', 'api-security-removed', 'api-security-scope-added', 'api-security-scope-removed',
    'api-security-component-added', 'api-security-component-removed', 'api-security-component-type-changed',
    'api-security-component-oauth-scope-added', 'api-security-component-oauth-scope-removed', 'api-security-component-oauth-scope-changed',
    'api-security-component-oauth-token-url-changed', 'api-security-component-oauth-url-changed',
  ],
  'sunset-policy.ts': SUNSET_POLICY_IDS,
  'lifecycle.ts': ['api-version-decreased', 'api-version-not-bumped', 'api-major-version-not-bumped', 'api-schema-removed'],
};

/**
 * Ids that do not describe a change of an OpenAPI 3.x document as this engine reads it, with
 * the reason. Everything else that is not implemented is "not yet".
 */
const NOT_APPLICABLE: Readonly<Record<string, string>> = {};

export interface RuleCoverage {
  readonly id: string;
  readonly level: string;
  readonly direction: string;
  readonly area: string;
  readonly status: Coverage;
  /** The file that reports it, or why it does not apply. */
  readonly note: string;
}

/** Every id the engine can report, with the file that reports it. */
export function implementedIds(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [file, ids] of Object.entries(FAMILY_IDS)) for (const id of ids) found.set(id, file);
  for (const prefix of SCHEMA_PREFIXES) {
    for (const kind of SCHEMA_KINDS) if (RULES.has(`${prefix}-${kind}`)) found.set(`${prefix}-${kind}`, 'schema-compare.ts');
  }
  for (const id of [...SCHEMA_PROPERTY_IDS, ...RENAMED_SCHEMA_IDS]) found.set(id, 'schema-compare.ts');
  found.set(ENGINE_RULE_IDS.schemaTooDeep, 'schema-compare.ts');
  return found;
}

export function ruleCoverage(): RuleCoverage[] {
  const implemented = implementedIds();
  const ids = [...CATALOGUE_IDS, ...Object.values(ENGINE_RULE_IDS)];
  return ids.map((id) => {
    const rule = RULES.get(id)!;
    const file = implemented.get(id);
    const status: Coverage = file ? 'implemented' : NOT_APPLICABLE[id] ? 'not applicable' : 'not yet';
    return { id, level: rule.level, direction: rule.direction, area: rule.area, status, note: file ? `\`${file}\`` : NOT_APPLICABLE[id] ?? '' };
  });
}

/** docs/openapi-rules.md, generated. */
export function renderRulesTable(): string {
  const rows = ruleCoverage();
  const catalogue = rows.filter((row) => CATALOGUE_IDS.includes(row.id));
  const count = (status: Coverage): number => catalogue.filter((row) => row.status === status).length;
  const applicable = catalogue.length - count('not applicable');
  const share = applicable === 0 ? 0 : Math.round((1000 * count('implemented')) / applicable) / 10;
  const lines = [
    '# OpenAPI rules: what the engine reports',
    '',
    '<!-- Generated from src/contracts/openapi/coverage.ts; do not edit by hand.',
    '     Regenerate: PJ_WRITE_DOCS=1 npx vitest run test/contracts/openapi/coverage.test.ts -->',
    '',
    'Every id of the change-rule catalogue (oasdiff\'s ids, so ignore lists carry over), with its',
    'default level, and whether `pj diff` reports it. Levels can be changed per pack with',
    '`severityOverrides`. The last rows are the engine\'s own findings, for what it could not compare.',
    'Swagger 2.0 documents are read as OpenAPI 3.0 (swagger2.ts), so the same ids apply to them.',
    'The `*-sunset-missing` and `*-sunset-date-too-small` ids need a minimum notice (`sunsetPolicy`); none is set by default.',
    '',
    `Catalogue: ${catalogue.length} ids; implemented ${count('implemented')}, not applicable ${count('not applicable')}, not yet ${count('not yet')} ` +
      `(${share} % of the applicable ids implemented).`,
    '',
    '| id | level | direction | area | status | reported by / note |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| \`${row.id}\` | ${row.level} | ${row.direction} | ${row.area} | ${row.status} | ${row.note} |`),
    '',
  ];
  return lines.join('\n');
}
