// Request bodies: added, removed, requiredness, media types, and body schemas through
// the shared schema comparer (direction: request).
import { at } from './changes.js';
import { reportSchemaChanges, type DiffContext } from './context.js';
import type { OperationPair } from './endpoints.js';
import { childOf, isObject, type Located } from './refs.js';

export function compareRequestBodies(context: DiffContext, pair: OperationPair): void {
  const base = context.base.get(pair.base.node, 'requestBody');
  const head = context.head.get(pair.head.node, 'requestBody');
  const report = (id: string, detail: string, headAt = at(head ?? pair.head.node), baseAt = base && at(base)): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: headAt, ...(baseAt ? { base: baseAt } : {}) });
  };
  if (!base && head) {
    if (isRequired(head)) report('request-body-added-required', 'a required request body was added; existing clients do not send one');
    else report('request-body-added-optional', 'an optional request body was added');
    return;
  }
  if (base && !head) {
    report('request-body-removed', 'the request body was removed; clients that send one may be rejected');
    return;
  }
  if (!base || !head) return;
  if (!isRequired(base) && isRequired(head)) report('request-body-became-required', 'the request body became required; clients that omit it will be rejected', at(head, 'required'));
  if (isRequired(base) && !isRequired(head)) report('request-body-became-optional', 'the request body became optional', at(head, 'required'));
  compareMediaTypes(context, pair, base, head);
}

function isRequired(body: Located): boolean {
  return isObject(body.value) && body.value['required'] === true;
}

function compareMediaTypes(context: DiffContext, pair: OperationPair, base: Located, head: Located): void {
  const baseContent = childOf(base, 'content');
  const headContent = childOf(head, 'content');
  const baseTypes = isObject(baseContent?.value) ? Object.keys(baseContent.value) : [];
  const headTypes = isObject(headContent?.value) ? Object.keys(headContent.value) : [];
  const add = (id: string, detail: string, headAt: ReturnType<typeof at>, baseAt?: ReturnType<typeof at>): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: headAt, ...(baseAt ? { base: baseAt } : {}) });
  };
  for (const mediaType of baseTypes) {
    const baseMedia = childOf(baseContent, mediaType) as Located;
    const headMedia = childOf(headContent, mediaType);
    if (!headMedia) {
      add('request-body-media-type-removed', `request body media type ${mediaType} was removed; clients sending it will be rejected`, at(headContent ?? head), at(baseMedia));
      continue;
    }
    const baseSchema = childOf(baseMedia, 'schema');
    const headSchema = childOf(headMedia, 'schema');
    if (!baseSchema && headSchema) add('request-body-media-type-schema-added', `a schema was added to request body ${mediaType}`, at(headSchema));
    else if (baseSchema && !headSchema) add('request-body-media-type-schema-removed', `the schema of request body ${mediaType} was removed`, at(headMedia), at(baseSchema));
    else if (baseSchema && headSchema) {
      const changes = context.schemas.compare(baseSchema, headSchema, { direction: 'request', subject: 'body' }, true);
      reportSchemaChanges(context, pair, `request body ${mediaType}`, changes);
    }
  }
  for (const mediaType of headTypes) {
    if (!baseTypes.includes(mediaType)) add('request-body-media-type-added', `request body media type ${mediaType} was added`, at(headContent as Located, mediaType));
  }
}
