// Endpoint matching: path templates are matched ignoring parameter names, so that
// renaming /pets/{id} to /pets/{petId} is not a removal plus an addition.
import { childOf, isObject, type Located, type SpecSet } from './refs.js';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `/pets/{petId}` -> `/pets/{}`. */
export function pathShape(template: string): string {
  return template.replace(/\{[^}]*\}/g, '{}');
}

export interface Endpoint { readonly template: string; readonly pathItem: Located }

export interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pathItem: Located;
  readonly node: Located;
}

export interface OperationPair { readonly method: string; readonly base: Operation; readonly head: Operation }

export function endpointsOf(set: SpecSet, container: 'paths' | 'webhooks' = 'paths'): Map<string, Endpoint> {
  const paths = set.get(set.root(), container);
  const endpoints = new Map<string, Endpoint>();
  if (!paths || !isObject(paths.value)) return endpoints;
  for (const template of Object.keys(paths.value)) {
    const pathItem = set.get(paths, template);
    const key = container === 'paths' ? pathShape(template) : template;
    if (pathItem && isObject(pathItem.value)) endpoints.set(key, { template, pathItem });
  }
  return endpoints;
}

/**
 * Paths grouped by shape. OpenAPI forbids two templates of one shape (`/a/{x}` beside
 * `/a/{y}`), but real documents have them; a group keeps every one, in document order, so
 * none is dropped.
 */
export function endpointGroups(set: SpecSet): Map<string, Endpoint[]> {
  const paths = set.get(set.root(), 'paths');
  const groups = new Map<string, Endpoint[]>();
  if (!paths || !isObject(paths.value)) return groups;
  for (const template of Object.keys(paths.value)) {
    const pathItem = set.get(paths, template);
    if (!pathItem || !isObject(pathItem.value)) continue;
    const shape = pathShape(template);
    const group = groups.get(shape);
    if (group) group.push({ template, pathItem });
    else groups.set(shape, [{ template, pathItem }]);
  }
  return groups;
}

/**
 * Pairs the endpoints of one shape: the same template first, then the rest in document order
 * (a renamed parameter, `/pets/{id}` -> `/pets/{petId}`, is the same endpoint).
 */
export function pairEndpoints(base: readonly Endpoint[], head: readonly Endpoint[]): { pairs: Array<[Endpoint, Endpoint]>; removed: Endpoint[]; added: Endpoint[] } {
  const freeHead = [...head];
  const pairs: Array<[Endpoint, Endpoint]> = [];
  const unmatched: Endpoint[] = [];
  for (const endpoint of base) {
    const index = freeHead.findIndex((candidate) => candidate.template === endpoint.template);
    if (index === -1) unmatched.push(endpoint);
    else pairs.push([endpoint, freeHead.splice(index, 1)[0]!]);
  }
  const removed: Endpoint[] = [];
  for (const endpoint of unmatched) {
    const next = freeHead.shift();
    if (next) pairs.push([endpoint, next]);
    else removed.push(endpoint);
  }
  return { pairs, removed, added: freeHead };
}

export function operationsOf(set: SpecSet, endpoint: Endpoint): Operation[] {
  const operations: Operation[] = [];
  for (const method of HTTP_METHODS) {
    const node = set.get(endpoint.pathItem, method);
    if (node && isObject(node.value)) {
      operations.push({ method: method.toUpperCase(), template: endpoint.template, pathItem: endpoint.pathItem, node });
    }
  }
  return operations;
}

/**
 * Parameters of an operation with path-level ones merged in (the operation wins on the same
 * name and location). Keyed by location and name; path parameters are keyed by their
 * position in the template, since their names may differ between base and head.
 */
export function parametersOf(set: SpecSet, operation: Operation): Map<string, Located> {
  const merged = new Map<string, Located>();
  for (const owner of [operation.pathItem, operation.node]) {
    const list = childOf(owner, 'parameters');
    if (!list || !Array.isArray(list.value)) continue;
    list.value.forEach((_, index) => {
      const parameter = set.get(list, index);
      if (parameter && isObject(parameter.value)) merged.set(parameterKey(parameter.value, operation.template), parameter);
    });
  }
  return merged;
}

/** Keys (as in parametersOf) of the parameters an operation takes from its path item and does not override. */
export function pathLevelParameterKeys(set: SpecSet, operation: Operation): Set<string> {
  const keysOf = (owner: Located): string[] => {
    const list = childOf(owner, 'parameters');
    if (!list || !Array.isArray(list.value)) return [];
    return list.value.flatMap((_, index) => {
      const parameter = set.get(list, index);
      return parameter && isObject(parameter.value) ? [parameterKey(parameter.value, operation.template)] : [];
    });
  };
  const own = new Set(keysOf(operation.node));
  return new Set(keysOf(operation.pathItem).filter((key) => !own.has(key)));
}

function parameterKey(parameter: Record<string, unknown>, template: string): string {
  const location = String(parameter['in']);
  const name = String(parameter['name']);
  if (location === 'path') {
    const position = templateNames(template).indexOf(name);
    return position === -1 ? `path:${name}` : `path:#${position}`;
  }
  // Header names are case-insensitive on the wire.
  return `${location}:${location === 'header' ? name.toLowerCase() : name}`;
}

/** The parameter names of the template last asked about: each operation asks once per parameter. */
let lastTemplate: { template: string; names: string[] } | undefined;

function templateNames(template: string): string[] {
  if (lastTemplate?.template !== template) {
    lastTemplate = { template, names: [...template.matchAll(/\{([^}]*)\}/g)].map((match) => match[1] as string) };
  }
  return lastTemplate.names;
}
