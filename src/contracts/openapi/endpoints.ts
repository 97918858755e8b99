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

function parameterKey(parameter: Record<string, unknown>, template: string): string {
  const location = String(parameter['in']);
  const name = String(parameter['name']);
  if (location === 'path') {
    const names = [...template.matchAll(/\{([^}]*)\}/g)].map((match) => match[1]);
    const position = names.indexOf(name);
    return position === -1 ? `path:${name}` : `path:#${position}`;
  }
  // Header names are case-insensitive on the wire.
  return `${location}:${location === 'header' ? name.toLowerCase() : name}`;
}
