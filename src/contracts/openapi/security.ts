// Security requirements (global and per operation), their scopes, and security scheme
// components. The catalogue rates these INFO by default; teams that treat a new
// requirement as breaking raise it with severityOverrides.
import { at, show, type At } from './changes.js';
import type { DiffContext } from './context.js';
import type { OperationPair } from './endpoints.js';
import { childOf, isObject, type Located } from './refs.js';

interface Requirement { key: string; index: number; scopes: Map<string, string[]> }

/** A requirement object is identified by the set of scheme names it combines. */
function requirementsOf(list: Located | undefined): Map<string, Requirement> {
  const requirements = new Map<string, Requirement>();
  if (!list || !Array.isArray(list.value)) return requirements;
  list.value.forEach((entry, index) => {
    if (!isObject(entry)) return;
    const scopes = new Map(Object.entries(entry).map(([scheme, values]) => [scheme, Array.isArray(values) ? values.map(String) : []]));
    const key = [...scopes.keys()].sort().join(' + ') || '(anonymous)';
    requirements.set(key, { key, index, scopes });
  });
  return requirements;
}

interface RequirementIds { added: string; removed: string; scopeAdded: string; scopeRemoved: string }

const GLOBAL_IDS: RequirementIds = { added: 'api-global-security-added', removed: 'api-global-security-removed', scopeAdded: 'api-global-security-scope-added', scopeRemoved: 'api-global-security-scope-removed' };
const OPERATION_IDS: RequirementIds = { added: 'api-security-added', removed: 'api-security-removed', scopeAdded: 'api-security-scope-added', scopeRemoved: 'api-security-scope-removed' };

function compareRequirementLists(
  base: Located | undefined,
  head: Located | undefined,
  headParent: Located,
  ids: RequirementIds,
  add: (id: string, detail: string, head: At, base?: At) => void,
): void {
  const before = requirementsOf(base);
  const after = requirementsOf(head);
  const headList = head ?? headParent;
  for (const [key, requirement] of before) {
    const match = after.get(key);
    if (!match) {
      add(ids.removed, `security requirement ${key} was removed`, at(headList), at(base as Located, requirement.index));
      continue;
    }
    for (const [scheme, scopes] of requirement.scopes) {
      const headScopes = match.scopes.get(scheme) ?? [];
      for (const scope of scopes) if (!headScopes.includes(scope)) add(ids.scopeRemoved, `scope ${scope} of security scheme ${scheme} was removed`, at(headList, match.index, scheme), at(base as Located, requirement.index, scheme));
      for (const scope of headScopes) if (!scopes.includes(scope)) add(ids.scopeAdded, `scope ${scope} of security scheme ${scheme} is now required; existing tokens may lack it`, at(headList, match.index, scheme));
    }
  }
  for (const [key, requirement] of after) {
    if (!before.has(key)) add(ids.added, `security requirement ${key} was added; clients must now authenticate with it`, at(headList, requirement.index));
  }
}

export function compareGlobalSecurity(context: DiffContext): void {
  const add = (id: string, detail: string, head: At, base?: At): void => context.sink.add({ id, detail, head, ...(base ? { base } : {}) });
  compareRequirementLists(childOf(context.base.root(), 'security'), childOf(context.head.root(), 'security'), context.head.root(), GLOBAL_IDS, add);
  compareSecuritySchemes(context, add);
}

export function compareOperationSecurity(context: DiffContext, pair: OperationPair): void {
  const base = childOf(pair.base.node, 'security');
  const head = childOf(pair.head.node, 'security');
  if (!base && !head) return;
  const add = (id: string, detail: string, headAt: At, baseAt?: At): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: headAt, ...(baseAt ? { base: baseAt } : {}) });
  };
  compareRequirementLists(base, head, pair.head.node, OPERATION_IDS, add);
}

function compareSecuritySchemes(context: DiffContext, add: (id: string, detail: string, head: At, base?: At) => void): void {
  const base = context.base.get(context.base.get(context.base.root(), 'components'), 'securitySchemes');
  const head = context.head.get(context.head.get(context.head.root(), 'components'), 'securitySchemes');
  const baseNames = isObject(base?.value) ? Object.keys(base.value) : [];
  const headNames = isObject(head?.value) ? Object.keys(head.value) : [];
  const headAnchor = head ?? context.head.root();
  for (const name of baseNames) {
    const baseScheme = context.base.get(base, name) as Located;
    const headScheme = context.head.get(head, name);
    if (!headScheme) {
      add('api-security-component-removed', `security scheme ${name} was removed`, at(headAnchor), at(baseScheme));
      continue;
    }
    const before = isObject(baseScheme.value) ? baseScheme.value : {};
    const after = isObject(headScheme.value) ? headScheme.value : {};
    if (before['type'] !== after['type']) add('api-security-component-type-changed', `security scheme ${name} type changed from ${String(before['type'])} to ${String(after['type'])}`, at(headScheme, 'type'), at(baseScheme, 'type'));
    compareOAuthFlows(name, baseScheme, headScheme, add);
  }
  for (const name of headNames) {
    if (!baseNames.includes(name)) add('api-security-component-added', `security scheme ${name} was added`, at(headAnchor, name));
  }
}

function compareOAuthFlows(name: string, base: Located, head: Located, add: (id: string, detail: string, head: At, base?: At) => void): void {
  const baseFlows = childOf(base, 'flows');
  const headFlows = childOf(head, 'flows');
  if (!isObject(baseFlows?.value) || !isObject(headFlows?.value)) return;
  for (const flow of Object.keys(baseFlows.value)) {
    const baseFlow = childOf(baseFlows, flow) as Located;
    const headFlow = childOf(headFlows, flow);
    if (!headFlow || !isObject(baseFlow.value) || !isObject(headFlow.value)) continue;
    for (const [field, id] of [['tokenUrl', 'api-security-component-oauth-token-url-changed'], ['authorizationUrl', 'api-security-component-oauth-url-changed']] as const) {
      if (baseFlow.value[field] !== headFlow.value[field]) add(id, `${name} ${flow} ${field} changed`, at(headFlow, field), at(baseFlow, field));
    }
    const baseScopes = isObject(baseFlow.value['scopes']) ? Object.keys(baseFlow.value['scopes']) : [];
    const headScopes = isObject(headFlow.value['scopes']) ? Object.keys(headFlow.value['scopes']) : [];
    for (const scope of baseScopes) if (!headScopes.includes(scope)) add('api-security-component-oauth-scope-removed', `OAuth scope ${scope} of ${name} was removed`, at(headFlow, 'scopes'), at(baseFlow, 'scopes', scope));
    for (const scope of baseScopes) {
      if (!headScopes.includes(scope)) continue;
      const before = (baseFlow.value['scopes'] as Record<string, unknown>)[scope];
      const after = (headFlow.value['scopes'] as Record<string, unknown>)[scope];
      if (before !== after) add('api-security-component-oauth-scope-changed', `OAuth scope ${scope} of ${name} changed its description from ${show(before)} to ${show(after)}`, at(headFlow, 'scopes', scope), at(baseFlow, 'scopes', scope));
    }
    for (const scope of headScopes) if (!baseScopes.includes(scope)) add('api-security-component-oauth-scope-added', `OAuth scope ${scope} of ${name} was added`, at(headFlow, 'scopes', scope));
  }
}
