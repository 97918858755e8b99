// Request parameters (path, query, header, cookie): added, removed, requiredness,
// deprecation, and their schemas through the shared schema comparer.
import { at } from './changes.js';
import { isDeprecated, reportSchemaChanges, sunsetOf, type DiffContext } from './context.js';
import { checkNewDeprecation } from './sunset-policy.js';
import { parametersOf, pathLevelParameterKeys, type OperationPair } from './endpoints.js';
import { childOf, isObject, type Located } from './refs.js';

export function compareParameters(context: DiffContext, pair: OperationPair): void {
  const baseParameters = parametersOf(context.base, pair.base);
  const headParameters = parametersOf(context.head, pair.head);
  for (const [key, base] of baseParameters) {
    const head = headParameters.get(key);
    if (head) compareParameter(context, pair, base, head);
    else reportRemoved(context, pair, base);
  }
  const pathLevel = pathLevelParameterKeys(context.head, pair.head);
  for (const [key, head] of headParameters) {
    if (!baseParameters.has(key)) reportAdded(context, pair, head, pathLevel.has(key));
  }
}

function describe(parameter: Located): string {
  const fields = parameter.value as Record<string, unknown>;
  return `${String(fields['in'])} parameter ${String(fields['name'])}`;
}

function isRequired(parameter: Located): boolean {
  return (parameter.value as Record<string, unknown>)['required'] === true;
}

/**
 * A parameter added to the path item applies to every operation of the path, including the
 * ones clients already call: the catalogue names it apart ("default parameter").
 */
const ADDED_IDS = {
  operation: { required: 'new-required-request-parameter', optional: 'new-optional-request-parameter' },
  pathItem: { required: 'new-required-request-default-parameter-to-existing-path', optional: 'new-optional-request-default-parameter-to-existing-path' },
} as const;

function reportAdded(context: DiffContext, pair: OperationPair, head: Located, fromPathItem: boolean): void {
  const location = (head.value as Record<string, unknown>)['in'];
  const requiredness = isRequired(head) ? 'required' : 'optional';
  const id = location === 'path' ? 'new-request-path-parameter' : ADDED_IDS[fromPathItem ? 'pathItem' : 'operation'][requiredness];
  const why = isRequired(head) ? 'existing clients do not send it' : 'clients may send it';
  const where = fromPathItem && location !== 'path' ? ' to the path item, so to this existing operation too' : '';
  context.sink.add({ id, method: pair.method, path: pair.head.template, detail: `${requiredness} ${describe(head)} was added${where}; ${why}`, head: at(head) });
}

function reportRemoved(context: DiffContext, pair: OperationPair, base: Located): void {
  let id = 'request-parameter-removed';
  if (isDeprecated(base.value)) {
    const sunset = sunsetOf(base.value);
    id = sunset === null ? 'request-parameter-sunset-parse' : sunset && sunset.getTime() > context.now.getTime() ? 'request-parameter-removed-before-sunset' : 'request-parameter-removed-with-deprecation';
  }
  const headParameters = childOf(pair.head.node, 'parameters');
  context.sink.add({
    id,
    method: pair.method,
    path: pair.head.template,
    detail: `${describe(base)} was removed; clients that still send it may have it ignored or rejected`,
    head: at(headParameters ?? pair.head.node),
    base: at(base),
  });
}

function compareParameter(context: DiffContext, pair: OperationPair, base: Located, head: Located): void {
  const report = (id: string, detail: string, key: string): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail: `${describe(head)} ${detail}`, head: at(head, key), base: at(base, key) });
  };
  if (!isRequired(base) && isRequired(head)) report('request-parameter-became-required', 'became required; existing clients may not send it', 'required');
  if (isRequired(base) && !isRequired(head)) report('request-parameter-became-optional', 'became optional', 'required');
  if (!isDeprecated(base.value) && isDeprecated(head.value)) {
    const violation = checkNewDeprecation('parameter', head.value, context.now, context.sunsetPolicy, pair.head.node.value);
    if (violation) report(violation.id, violation.detail, violation.key);
    else report('request-parameter-deprecated', 'was deprecated', 'deprecated');
  }
  if (isDeprecated(base.value) && !isDeprecated(head.value)) report('request-parameter-reactivated', 'is no longer deprecated', 'deprecated');
  if (isDeprecated(base.value) && isDeprecated(head.value)) {
    const before = sunsetOf(base.value);
    const after = sunsetOf(head.value);
    if (before && after === undefined) report('request-parameter-sunset-deleted', 'lost its x-sunset date; clients lose the date they plan their migration by', 'deprecated');
    if (before && after && after.getTime() < before.getTime()) {
      report('request-parameter-sunset-date-changed-too-small', `has its sunset date moved earlier, from ${before.toISOString().slice(0, 10)} to ${after.toISOString().slice(0, 10)}`, 'x-sunset');
    }
  }

  const baseSchema = parameterSchema(base);
  const headSchema = parameterSchema(head);
  if (baseSchema && headSchema) {
    const subject = (head.value as Record<string, unknown>)['in'] === 'header' ? 'header-parameter' : 'parameter';
    const changes = context.schemas.compare(baseSchema, headSchema, { direction: 'request', subject }, true);
    reportSchemaChanges(context, pair, describe(head), changes);
  }
}

/** A parameter's schema, or the schema of its single `content` media type. */
function parameterSchema(parameter: Located): Located | undefined {
  const schema = childOf(parameter, 'schema');
  if (schema) return schema;
  const content = childOf(parameter, 'content');
  if (!content || !isObject(content.value)) return undefined;
  const firstMediaType = Object.keys(content.value)[0];
  return firstMediaType === undefined ? undefined : childOf(childOf(content, firstMediaType), 'schema');
}
