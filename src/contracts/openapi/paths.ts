// Paths and operations: removed (with or without prior deprecation, before or after the
// sunset date), added, deprecated, reactivated, sunset moved; operation ids and tags.
import { at } from './changes.js';
import { isDeprecated, STABILITY_LEVELS, stabilityOf, sunsetOf, type DiffContext } from './context.js';
import { endpointGroups, endpointsOf, operationsOf, pairEndpoints, type Endpoint, type Operation, type OperationPair } from './endpoints.js';
import { ENGINE_RULE_IDS } from './rules.js';
import { checkNewDeprecation } from './sunset-policy.js';
import { childOf, isObject } from './refs.js';

/** Compares paths; returns the operation pairs present on both sides for the other families. */
export function comparePaths(context: DiffContext): OperationPair[] {
  const baseGroups = endpointGroups(context.base);
  const headGroups = endpointGroups(context.head);
  reportCollisions(context, headGroups);
  const pairs: OperationPair[] = [];
  for (const [shape, baseGroup] of baseGroups) {
    const { pairs: matched, removed, added } = pairEndpoints(baseGroup, headGroups.get(shape) ?? []);
    for (const [baseEndpoint, headEndpoint] of matched) pairs.push(...compareEndpoint(context, baseEndpoint, headEndpoint));
    for (const endpoint of removed) for (const operation of operationsOf(context.base, endpoint)) reportRemoval(context, operation, 'path');
    for (const endpoint of added) for (const operation of operationsOf(context.head, endpoint)) reportAdded(context, operation);
  }
  for (const [shape, headGroup] of headGroups) {
    if (baseGroups.has(shape)) continue;
    for (const endpoint of headGroup) for (const operation of operationsOf(context.head, endpoint)) reportAdded(context, operation);
  }
  compareWebhooks(context);
  return pairs;
}

/**
 * Templates of one shape are ambiguous for routers and for this engine's matching (it pairs
 * them by exact template, then in order): both are compared, and the document is warned.
 */
function reportCollisions(context: DiffContext, groups: ReadonlyMap<string, readonly Endpoint[]>): void {
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    // One finding at each template's own line (locating costs a scan: no extra lookups).
    for (const endpoint of group) {
      const others = group.filter((other) => other !== endpoint).map((other) => other.template).join(', ');
      context.sink.add({
        id: ENGINE_RULE_IDS.pathTemplateCollision,
        path: endpoint.template,
        detail: `path template ${endpoint.template} differs from ${others} only in parameter names, which OpenAPI forbids; routers and clients cannot tell them apart. Both were compared, matched to base by exact template first`,
        head: at(endpoint.pathItem),
      });
    }
  }
}

function compareEndpoint(context: DiffContext, baseEndpoint: Endpoint, headEndpoint: Endpoint): OperationPair[] {
  const headOperations = new Map(operationsOf(context.head, headEndpoint).map((operation) => [operation.method, operation]));
  const pairs: OperationPair[] = [];
  const baseMethods = new Set<string>();
  for (const base of operationsOf(context.base, baseEndpoint)) {
    baseMethods.add(base.method);
    const head = headOperations.get(base.method);
    if (!head) {
      reportRemoval(context, base, 'operation', headEndpoint);
      continue;
    }
    const pair = { method: base.method, base, head };
    compareLifecycle(context, pair);
    compareOperationIdAndTags(context, pair);
    pairs.push(pair);
  }
  for (const [method, head] of headOperations) if (!baseMethods.has(method)) reportAdded(context, head);
  return pairs;
}

/**
 * Removing an operation breaks its callers unless it was deprecated first and its sunset
 * date (if any) has passed. `scope` picks the api-path-* ids when the whole path went away.
 */
function reportRemoval(context: DiffContext, operation: Operation, scope: 'path' | 'operation', survivingEndpoint?: Endpoint): void {
  const prefix = scope === 'path' ? 'api-path-removed' : 'api-removed';
  const headAt = survivingEndpoint ? at(survivingEndpoint.pathItem) : at(context.head.root(), 'paths');
  const sunset = sunsetOf(operation.node.value);
  let id = `${prefix}-without-deprecation`;
  let reason = 'it was not deprecated first, so clients calling it will fail';
  if (isDeprecated(operation.node.value)) {
    if (sunset === null) {
      id = scope === 'path' ? 'api-path-sunset-parse' : 'api-deprecated-sunset-parse';
      reason = 'it was deprecated but its x-sunset date cannot be parsed';
    } else if (sunset && sunset.getTime() > context.now.getTime()) {
      id = `${prefix}-before-sunset`;
      reason = `it was deprecated but its sunset date ${sunset.toISOString().slice(0, 10)} has not been reached, so clients may still rely on it`;
    } else {
      id = `${prefix}-with-deprecation`;
      reason = 'it was deprecated before';
    }
  }
  const what = scope === 'path' ? 'the whole path was removed' : 'the operation was removed';
  context.sink.add({ id, method: operation.method, path: operation.template, detail: `${what}; ${reason}`, head: headAt, base: at(operation.node) });
}

function reportAdded(context: DiffContext, operation: Operation): void {
  context.sink.add({ id: 'endpoint-added', method: operation.method, path: operation.template, detail: 'the operation was added', head: at(operation.node) });
}

function compareLifecycle(context: DiffContext, pair: OperationPair): void {
  const base = pair.base.node.value;
  const head = pair.head.node.value;
  const baseSunset = sunsetOf(base);
  const headSunset = sunsetOf(head);
  const report = (id: string, detail: string, key: string, baseKey = key): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: at(pair.head.node, key), base: at(pair.base.node, baseKey) });
  };
  const violation = !isDeprecated(base) && isDeprecated(head) ? checkNewDeprecation('operation', head, context.now, context.sunsetPolicy) : undefined;
  if (violation) report(violation.id, `operation ${violation.detail}`, violation.key, 'deprecated');
  else if (!isDeprecated(base) && isDeprecated(head)) {
    if (headSunset) report('endpoint-deprecated-with-sunset', `operation was deprecated with sunset ${headSunset.toISOString().slice(0, 10)}`, 'deprecated');
    else report('endpoint-deprecated', 'operation was deprecated', 'deprecated');
  }
  if (isDeprecated(base) && !isDeprecated(head)) report('endpoint-reactivated', 'operation is no longer deprecated', 'deprecated');
  if (isDeprecated(base) && isDeprecated(head)) {
    if (baseSunset && headSunset === undefined) report('sunset-deleted', 'the x-sunset date of the deprecated operation was removed; clients lose the date they plan their migration by', 'deprecated', 'x-sunset');
    if (baseSunset && headSunset && headSunset.getTime() < baseSunset.getTime()) {
      report('api-sunset-date-changed-too-small', `the sunset date moved earlier, from ${baseSunset.toISOString().slice(0, 10)} to ${headSunset.toISOString().slice(0, 10)}; clients planned their migration by the old date`, 'x-sunset');
    }
  }
  if (isDeprecated(head) && headSunset === null) report('api-deprecated-sunset-parse', 'the x-sunset date cannot be parsed', 'x-sunset');
  compareStability(pair, report);
}

/** x-stability-level: draft < alpha < beta < stable; going down breaks the promise made. */
function compareStability(pair: OperationPair, report: (id: string, detail: string, key: string) => void): void {
  const before = stabilityOf(pair.base.node.value);
  const after = stabilityOf(pair.head.node.value);
  const level = (rank: number | undefined): string => (rank === undefined ? 'none' : STABILITY_LEVELS[rank] ?? 'invalid');
  if (after === -1) {
    const raw = (pair.head.node.value as Record<string, unknown>)['x-stability-level'];
    report('api-invalid-stability-level', `x-stability-level ${JSON.stringify(raw)} is not one of ${STABILITY_LEVELS.join(', ')}`, 'x-stability-level');
    return;
  }
  if (before === undefined || before === -1 || after === undefined || before === after) return;
  const id = after < before ? 'api-stability-decreased' : 'api-stability-increased';
  report(id, `x-stability-level changed from ${level(before)} to ${level(after)}`, 'x-stability-level');
}

function compareOperationIdAndTags(context: DiffContext, pair: OperationPair): void {
  const base = isObject(pair.base.node.value) ? pair.base.node.value : {};
  const head = isObject(pair.head.node.value) ? pair.head.node.value : {};
  const report = (id: string, detail: string, headKey: string, baseKey?: string): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: at(pair.head.node, headKey), ...(baseKey ? { base: at(pair.base.node, baseKey) } : {}) });
  };
  if (base['operationId'] !== undefined && base['operationId'] !== head['operationId']) {
    report('api-operation-id-removed', `operationId ${String(base['operationId'])} was removed or renamed, which changes generated client method names`, 'operationId', 'operationId');
  }
  if (head['operationId'] !== undefined && base['operationId'] !== head['operationId']) {
    report('api-operation-id-added', `operationId ${String(head['operationId'])} was added`, 'operationId');
  }
  const baseTags = new Set(Array.isArray(base['tags']) ? base['tags'].map(String) : []);
  const headTags = new Set(Array.isArray(head['tags']) ? head['tags'].map(String) : []);
  for (const tag of baseTags) if (!headTags.has(tag)) report('api-tag-removed', `tag ${tag} was removed`, 'tags', 'tags');
  for (const tag of headTags) if (!baseTags.has(tag)) report('api-tag-added', `tag ${tag} was added`, 'tags');
}

/** OpenAPI 3.1 webhooks: removing one breaks the subscribers that handle it. */
function compareWebhooks(context: DiffContext): void {
  const base = endpointsOf(context.base, 'webhooks');
  const head = endpointsOf(context.head, 'webhooks');
  const headWebhooks = childOf(context.head.root(), 'webhooks');
  for (const [name, endpoint] of base) {
    if (head.has(name)) continue;
    context.sink.add({ id: 'webhook-removed', path: name, detail: `webhook ${name} was removed`, head: at(headWebhooks ?? context.head.root()), base: at(endpoint.pathItem) });
  }
  for (const [name, endpoint] of head) {
    if (!base.has(name)) context.sink.add({ id: 'webhook-added', path: name, detail: `webhook ${name} was added`, head: at(endpoint.pathItem) });
  }
}
