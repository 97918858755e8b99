// Responses: status codes, media types, headers, and body schemas through the shared
// schema comparer (direction: response).
import { at, type At } from './changes.js';
import { reportSchemaChanges, type DiffContext } from './context.js';
import type { OperationPair } from './endpoints.js';
import { pairRenamedMediaTypes, type MediaTypeRelation } from './media-type-names.js';
import { childOf, isObject, type Located } from './refs.js';

/** 2xx, including the 2XX range form. */
function isSuccess(status: string): boolean {
  return /^2(\d\d|XX)$/i.test(status);
}

export function compareResponses(context: DiffContext, pair: OperationPair): void {
  const baseResponses = childOf(pair.base.node, 'responses');
  const headResponses = childOf(pair.head.node, 'responses');
  const baseCodes = isObject(baseResponses?.value) ? Object.keys(baseResponses.value) : [];
  const headCodes = isObject(headResponses?.value) ? Object.keys(headResponses.value) : [];
  const add = (id: string, detail: string, head: At, base?: At): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head, ...(base ? { base } : {}) });
  };
  for (const status of baseCodes) {
    const base = context.base.get(baseResponses, status) as Located;
    const head = context.head.get(headResponses, status);
    if (head) {
      compareResponse(context, pair, status, base, head);
      continue;
    }
    if (isSuccess(status)) add('response-success-status-removed', `success response ${status} was removed; clients expecting it will not get it`, at(headResponses ?? pair.head.node), at(base));
    else add('response-non-success-status-removed', `response ${status} was removed`, at(headResponses ?? pair.head.node), at(base));
  }
  for (const status of headCodes) {
    if (baseCodes.includes(status)) continue;
    const id = isSuccess(status) ? 'response-success-status-added' : 'response-non-success-status-added';
    add(id, `response ${status} was added`, at(headResponses as Located, status));
  }
}

function compareResponse(context: DiffContext, pair: OperationPair, status: string, base: Located, head: Located): void {
  compareMediaTypes(context, pair, status, base, head);
  compareHeaders(context, pair, status, base, head);
}

function compareMediaTypes(context: DiffContext, pair: OperationPair, status: string, base: Located, head: Located): void {
  const baseContent = childOf(base, 'content');
  const headContent = childOf(head, 'content');
  const baseTypes = isObject(baseContent?.value) ? Object.keys(baseContent.value) : [];
  const headTypes = isObject(headContent?.value) ? Object.keys(headContent.value) : [];
  const add = (id: string, detail: string, headAt: At, baseAt?: At): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: headAt, ...(baseAt ? { base: baseAt } : {}) });
  };
  const renames = pairRenamedMediaTypes('response', baseTypes.filter((type) => !headTypes.includes(type)), headTypes.filter((type) => !baseTypes.includes(type)));
  const renamedTo = new Map(renames.map((rename) => [rename.before, rename]));
  for (const mediaType of baseTypes) {
    const baseMedia = childOf(baseContent, mediaType) as Located;
    const rename = renamedTo.get(mediaType);
    const headType = rename?.after ?? mediaType;
    const headMedia = childOf(headContent, headType);
    if (!headMedia) {
      add('response-media-type-removed', `response ${status} media type ${mediaType} was removed; clients that accept only it get nothing they can read`, at(headContent ?? head), at(baseMedia));
      continue;
    }
    if (rename) add(rename.id, `response ${status} media type ${mediaType} became ${headType}${RENAME_REASONS[rename.relation]}`, at(headContent as Located, headType), at(baseMedia));
    const baseSchema = childOf(baseMedia, 'schema');
    const headSchema = childOf(headMedia, 'schema');
    if (!baseSchema && headSchema) add('response-body-media-type-schema-added', `a schema was added to response ${status} ${headType}`, at(headSchema));
    else if (baseSchema && !headSchema) add('response-body-media-type-schema-removed', `the schema of response ${status} ${headType} was removed`, at(headMedia), at(baseSchema));
    else if (baseSchema && headSchema) {
      const changes = context.schemas.compare(baseSchema, headSchema, { direction: 'response', subject: 'body' }, true);
      reportSchemaChanges(context, pair, `response ${status} ${headType}`, changes);
    }
  }
  const renamedFrom = new Set(renames.map((rename) => rename.after));
  for (const mediaType of headTypes) {
    if (!baseTypes.includes(mediaType) && !renamedFrom.has(mediaType)) add('response-media-type-added', `response ${status} media type ${mediaType} was added`, at(headContent as Located, mediaType));
  }
}

const RENAME_REASONS: Readonly<Record<MediaTypeRelation, string>> = {
  changed: '; the same type with other parameters',
  specialized: '; a narrower type, which clients that accept the old one still accept',
  generalized: '; a wider type, so clients that accept only the old one may get responses they cannot read',
};

function compareHeaders(context: DiffContext, pair: OperationPair, status: string, base: Located, head: Located): void {
  const baseHeaders = childOf(base, 'headers');
  const headHeaders = childOf(head, 'headers');
  const names = isObject(baseHeaders?.value) ? Object.keys(baseHeaders.value) : [];
  const headNames = isObject(headHeaders?.value) ? Object.keys(headHeaders.value) : [];
  const add = (id: string, detail: string, headAt: At, baseAt?: At): void => {
    context.sink.add({ id, method: pair.method, path: pair.head.template, detail, head: headAt, ...(baseAt ? { base: baseAt } : {}) });
  };
  for (const name of names) {
    const baseHeader = context.base.get(baseHeaders, name) as Located;
    const headHeader = context.head.get(headHeaders, name);
    const wasRequired = isObject(baseHeader.value) && baseHeader.value['required'] === true;
    if (!headHeader) {
      if (wasRequired) add('required-response-header-removed', `required response ${status} header ${name} was removed; clients reading it will miss it`, at(headHeaders ?? head), at(baseHeader));
      else add('optional-response-header-removed', `optional response ${status} header ${name} was removed`, at(headHeaders ?? head), at(baseHeader));
      continue;
    }
    const isRequired = isObject(headHeader.value) && headHeader.value['required'] === true;
    if (wasRequired && !isRequired) add('response-header-became-optional', `response ${status} header ${name} became optional; clients relying on it may not get it`, at(headHeader, 'required'), at(baseHeader, 'required'));
    const baseSchema = childOf(baseHeader, 'schema');
    const headSchema = childOf(headHeader, 'schema');
    if (baseSchema && headSchema) {
      const changes = context.schemas.compare(baseSchema, headSchema, { direction: 'response', subject: 'header' }, true);
      reportSchemaChanges(context, pair, `response ${status} header ${name}`, changes);
    }
  }
  for (const name of headNames) {
    if (!names.includes(name)) add('response-header-added', `response ${status} header ${name} was added`, at(headHeaders as Located, name));
  }
}
