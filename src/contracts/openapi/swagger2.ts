// Swagger 2.0 read as OpenAPI 3.0: the document is converted in memory to the model every
// rule family already reads (body and formData parameters to request bodies, `consumes` and
// `produces` to media types, definitions, parameters and securityDefinitions to components),
// so a team still on 2.0 gets the same rules.
//
// Positions still point at the 2.0 file: every object the conversion creates where the 2.0
// document has no element at the same keys is registered with the element it came from
// (objects at the same keys need nothing), and locating a pointer of the converted model walks
// the converted tree to the deepest registered object, then continues in the original file
// with the remaining keys (which the conversion keeps, e.g. `schema/type` of a query
// parameter is the parameter's own `type`).
import { posix } from 'node:path';
import { SPEC_MAX_NODES, type SpecDocument } from './parse.js';
import { fragmentSegments, Pointer } from './pointer.js';
import { SpecParseError } from './types.js';

type Json = Record<string, unknown>;

// (Not imported from refs.ts, which imports this file.)
function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function refOf(value: unknown): string | undefined {
  return isObject(value) && typeof value['$ref'] === 'string' ? value['$ref'] : undefined;
}

/** Where a converted element was written: a file of the set and the pointer in it. */
interface Origin { readonly doc: SpecDocument; readonly pointer: Pointer }

function below(origin: Origin, ...keys: Array<string | number>): Origin {
  let pointer = origin.pointer;
  for (const key of keys) pointer = pointer.child(key);
  return { doc: origin.doc, pointer };
}

/** A converted object's origin, and for some keys (elements of a built array) their own. */
interface Registration { readonly origin: Origin; readonly keys?: ReadonlyMap<string, Origin> }

/** Finds another file of the set by repo path (for parameters and responses $ref'd from other files). */
export type FindDocument = (repoPath: string) => SpecDocument | undefined;

export function isSwagger2(root: unknown): boolean {
  return isObject(root) && root['swagger'] !== undefined;
}

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];
const DEFAULT_MEDIA_TYPES = ['application/json'];
const OAUTH_FLOWS: Readonly<Record<string, string>> = { implicit: 'implicit', password: 'password', application: 'clientCredentials', accessCode: 'authorizationCode' };
/** Parameter keywords that are schema keywords in 3.0 (moved under `schema`). */
const SCHEMA_KEYWORDS = [
  'type', 'format', 'items', 'default', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength',
  'pattern', 'maxItems', 'minItems', 'uniqueItems', 'enum', 'multipleOf',
];
/** Parameter fields that move to the schema or go away (the rest is copied). */
const PARAMETER_ONLY = new Set([...SCHEMA_KEYWORDS, 'collectionFormat', 'schema']);
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_SINGLE = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else', 'additionalItems']);
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** The 2.0 document `main` as an OpenAPI 3.0 document whose positions are in the 2.0 files. */
export function convertSwagger2(main: SpecDocument, findDocument: FindDocument = () => undefined, maxNodes = SPEC_MAX_NODES): SpecDocument {
  const version = (main.root as Json)['swagger'];
  if (version !== '2.0') {
    const at = main.locate(['swagger']);
    throw new SpecParseError(main.file, at.line, at.column, `unsupported Swagger version ${String(version)} (2.0, 3.0 and 3.1 are supported)`);
  }
  const converter = new Converter(main, findDocument, maxNodes);
  const root = converter.convertRoot();
  converter.release();
  return { file: main.file, root, locate: (pointer) => converter.locate(root, pointer) };
}

class Converter {
  /** Lives as long as the converted document (a WeakMap would cost the garbage collector more). */
  private readonly registry = new Map<object, Registration>();
  /** The 2.0 tree, read while converting and dropped after (positions need only the text). */
  private root: Json;
  /** The 2.0 file, for positions: without its tree, so the converted document does not keep both alive. */
  private readonly main: SpecDocument;

  /** Converted schemas by their 2.0 object (see schema()). */
  private readonly converted = new Map<object, unknown>();
  private budget: number;

  constructor(main: SpecDocument, private readonly findDocument: FindDocument, private readonly maxNodes: number) {
    this.budget = maxNodes;
    this.root = main.root as Json;
    this.main = { file: main.file, root: undefined, locate: main.locate };
  }

  /** Forgets the 2.0 tree once the conversion is done. */
  release(): void {
    this.root = {};
    this.converted.clear();
  }

  /**
   * Media types multiply with responses and request bodies (`produces` of 1,000 types on
   * 1,000 operations is a million objects): the converted document is held to the same node
   * bound as a parsed file, so a hostile 2.0 document is refused, not expanded.
   */
  private spend(at: Origin | undefined): void {
    if (--this.budget >= 0) return;
    const position = (at ?? { doc: this.main, pointer: Pointer.root }).doc.locate((at?.pointer ?? Pointer.root).segments());
    throw new SpecParseError(position.file, position.line, position.column,
      `converting this Swagger 2.0 document to OpenAPI 3.0 would create more than ${this.maxNodes} elements (media types are repeated for each request body and response): over the limit of ${this.maxNodes} nodes per spec file (SPEC_MAX_NODES); refusing to compare it`);
  }

  /** Where a pointer of the converted model is written in the 2.0 files. */
  locate(converted: Json, pointer: readonly string[]): ReturnType<SpecDocument['locate']> {
    let node: unknown = converted;
    let origin: Origin = { doc: this.main, pointer: Pointer.root };
    let rest: string[] = [];
    for (const key of pointer) {
      const registration = this.registrationOf(node);
      const keyOrigin = registration?.keys?.get(key);
      const child = node !== null && typeof node === 'object' ? (node as Json)[key] : undefined;
      node = child;
      const own = this.registrationOf(child);
      if (own) {
        origin = own.origin;
        rest = [];
      } else if (keyOrigin) {
        origin = keyOrigin;
        rest = [];
      } else {
        rest.push(key);
      }
    }
    return origin.doc.locate([...origin.pointer.segments(), ...rest]);
  }

  private register<T extends object>(value: T, origin: Origin, keys?: ReadonlyMap<string, Origin>): T {
    this.spend(origin);
    this.registry.set(value, keys ? { origin, keys } : { origin });
    return value;
  }

  private registrationOf(node: unknown): Registration | undefined {
    return node !== null && typeof node === 'object' ? this.registry.get(node) : undefined;
  }

  private origin(...pointer: Array<string | number>): Origin {
    return below({ doc: this.main, pointer: Pointer.root }, ...pointer);
  }

  convertRoot(): Json {
    const root = this.root;
    const out: Json = { openapi: '3.0.3' };
    for (const [key, value] of Object.entries(root)) {
      if (['info', 'tags', 'externalDocs', 'security'].includes(key) || key.startsWith('x-')) out[key] = value;
    }
    const components: Json = {};
    const definitions = root['definitions'];
    if (isObject(definitions)) {
      const schemas: Json = {};
      for (const [name, schema] of Object.entries(definitions)) schemas[name] = this.schema(schema, this.origin('definitions', name));
      components['schemas'] = this.register(schemas, this.origin('definitions'));
      // Other files of the set may still $ref `swagger.yaml#/definitions/X`: the same schemas.
      out['definitions'] = schemas;
    }
    const parameters = root['parameters'];
    if (isObject(parameters)) {
      // Body and formData parameters become part of each operation's request body (their
      // media types depend on the operation's `consumes`); the others are components.
      const converted: Json = {};
      for (const [name, parameter] of Object.entries(parameters)) {
        if (isObject(parameter) && parameter['in'] !== 'body' && parameter['in'] !== 'formData') {
          converted[name] = this.parameter(parameter, this.origin('parameters', name));
        }
      }
      components['parameters'] = this.register(converted, this.origin('parameters'));
    }
    const securityDefinitions = root['securityDefinitions'];
    if (isObject(securityDefinitions)) {
      const schemes: Json = {};
      for (const [name, scheme] of Object.entries(securityDefinitions)) {
        if (isObject(scheme)) schemes[name] = this.securityScheme(scheme, this.origin('securityDefinitions', name));
      }
      components['securitySchemes'] = this.register(schemes, this.origin('securityDefinitions'));
    }
    if (Object.keys(components).length > 0) out['components'] = this.register(components, this.origin());
    const paths = root['paths'];
    if (isObject(paths)) {
      const converted: Json = {};
      for (const [template, pathItem] of Object.entries(paths)) {
        converted[template] = isObject(pathItem) ? this.pathItem(pathItem, this.origin('paths', template)) : pathItem;
      }
      out['paths'] = converted;
    }
    return this.register(out, this.origin());
  }

  private pathItem(pathItem: Json, origin: Origin): Json {
    if (refOf(pathItem) !== undefined) return pathItem;
    const out: Json = {};
    const shared = this.parameterList(pathItem['parameters'], origin, 'parameters');
    for (const [key, value] of Object.entries(pathItem)) {
      if (key === 'parameters' || HTTP_METHODS.includes(key)) continue;
      out[key] = value;
    }
    if (shared.plain.length > 0) out['parameters'] = shared.plain.map((entry) => entry.value);
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (isObject(operation)) out[method] = this.operation(operation, below(origin, method), shared);
    }
    return out;
  }

  private operation(operation: Json, origin: Origin, shared: ParameterList): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(operation)) {
      if (['parameters', 'responses', 'consumes', 'produces', 'schemes'].includes(key)) continue;
      out[key] = value;
    }
    const own = this.parameterList(operation['parameters'], origin, 'parameters');
    if (own.plain.length > 0) out['parameters'] = own.plain.map((entry) => entry.value);
    const consumes = this.mediaTypes(operation, origin, 'consumes');
    const produces = this.mediaTypes(operation, origin, 'produces');
    // The operation's body parameter wins over the path item's; formData merge by name.
    const body = own.body ?? (own.form.length === 0 ? shared.body : undefined);
    const form = body ? [] : mergeByName(shared.form, own.form);
    if (body) out['requestBody'] = this.bodyRequest(body, consumes);
    else if (form.length > 0) out['requestBody'] = this.formRequest(form, consumes);
    const responses = operation['responses'];
    if (isObject(responses)) {
      const converted: Json = {};
      for (const [status, response] of Object.entries(responses)) {
        const resolved = this.resolve(response, below(origin, 'responses', status), 'responses');
        converted[status] = resolved ? this.response(resolved.value, resolved.origin, produces) : response;
      }
      out['responses'] = converted;
    }
    return out;
  }

  /**
   * The operation's `consumes` or `produces`, else the document's, else JSON; each media type
   * located at its entry of the list (a default one at the element it serves).
   */
  private mediaTypes(operation: Json, origin: Origin, key: 'consumes' | 'produces'): MediaTypes {
    const own = operation[key];
    const [list, at] = Array.isArray(own) ? [own, below(origin, key)] : [this.root[key], this.origin(key)];
    if (!Array.isArray(list) || list.length === 0) return Object.assign(DEFAULT_MEDIA_TYPES.map((type) => ({ type })), { origin: undefined });
    const types = list.map((type, index) => ({ type: String(type), origin: below(at, String(index)) }));
    return Object.assign(types, { origin: at });
  }

  private parameterList(list: unknown, owner: Origin, key: string): ParameterList {
    const result: ParameterList = { plain: [], form: [] };
    if (!Array.isArray(list)) return result;
    list.forEach((entry, index) => {
      const at: Origin = below(owner, key, String(index));
      const ref = refOf(entry);
      // A local $ref to a non-body parameter stays a $ref (to its converted component).
      if (ref?.startsWith('#/parameters/') && owner.doc === this.main) {
        const name = fragmentSegments(ref.slice(1))[1] ?? '';
        const target = (this.root['parameters'] as Json | undefined)?.[name];
        if (isObject(target) && target['in'] !== 'body' && target['in'] !== 'formData') {
          result.plain.push({ name: parameterName(target), value: this.register({ $ref: `#/components/parameters/${ref.slice('#/parameters/'.length)}` }, at) });
          return;
        }
      }
      const resolved = this.resolve(entry, at, 'parameters');
      if (!resolved || !isObject(resolved.value)) return;
      const parameter = resolved.value;
      const located = { name: parameterName(parameter), parameter, origin: resolved.origin };
      if (parameter['in'] === 'body') result.body = located;
      else if (parameter['in'] === 'formData') result.form.push(located);
      else result.plain.push({ name: located.name, value: this.parameter(parameter, resolved.origin) });
    });
    return result;
  }

  /** Follows a $ref to a parameter or response (in this file or another of the set). */
  private resolve(value: unknown, at: Origin, section: 'parameters' | 'responses'): { value: Json; origin: Origin } | undefined {
    let current: { value: unknown; origin: Origin } = { value, origin: at };
    for (let hop = 0; hop < 16; hop++) {
      const ref = refOf(current.value);
      if (ref === undefined) return isObject(current.value) ? { value: current.value, origin: current.origin } : undefined;
      const hash = ref.indexOf('#');
      const filePart = hash === -1 ? ref : ref.slice(0, hash);
      const doc = filePart === '' ? current.origin.doc : this.findDocument(posix.normalize(posix.join(posix.dirname(current.origin.doc.file), filePart)));
      const fail = (reason: string): never => {
        const position = current.origin.doc.locate([...current.origin.pointer.segments(), '$ref']);
        throw new SpecParseError(position.file, position.line, position.column, reason);
      };
      if (!doc) fail(`$ref ${ref} points to a file that was not loaded`);
      const segments = fragmentSegments(hash === -1 ? '' : ref.slice(hash + 1));
      let target: unknown = doc === this.main ? this.root : doc!.root;
      for (const segment of segments) target = isObject(target) || Array.isArray(target) ? (target as Json)[segment] : undefined;
      if (target === undefined) fail(`$ref ${ref} does not resolve (a ${section === 'parameters' ? 'parameter' : 'response'} of the Swagger 2.0 document)`);
      current = { value: target, origin: below({ doc: doc!, pointer: Pointer.root }, ...segments) };
    }
    const position = at.doc.locate([...at.pointer.segments(), '$ref']);
    throw new SpecParseError(position.file, position.line, position.column, 'circular $ref chain');
  }

  /** A query, path, header or cookie parameter: its type keywords move under `schema`. */
  private parameter(parameter: Json, origin: Origin): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(parameter)) if (!PARAMETER_ONLY.has(key)) out[key] = value;
    const style = collectionStyle(parameter);
    if (style) Object.assign(out, style);
    out['schema'] = this.itemsSchema(parameter, origin);
    return this.register(out, origin);
  }

  /** The schema written inline on a 2.0 parameter, header or items object. */
  private itemsSchema(items: Json, origin: Origin): Json {
    const schema: Json = {};
    for (const keyword of SCHEMA_KEYWORDS) {
      const value = items[keyword];
      if (value === undefined) continue;
      if (keyword === 'items' && isObject(value)) schema['items'] = this.itemsSchema(value, below(origin, 'items'));
      else schema[keyword] = value;
    }
    if (schema['type'] === 'file') {
      schema['type'] = 'string';
      schema['format'] = 'binary';
    }
    for (const [key, value] of Object.entries(items)) if (key.startsWith('x-')) schema[key] = value;
    return this.register(schema, origin);
  }

  private bodyRequest(body: LocatedParameter, consumes: MediaTypes): Json {
    const schemaOrigin: Origin = below(body.origin, 'schema');
    const schema = body.parameter['schema'] === undefined ? undefined : this.schemaAt(body.parameter['schema'], schemaOrigin);
    const content: Json = {};
    for (const { type, origin } of consumes) content[type] = this.register(schema === undefined ? {} : { schema }, origin ?? body.origin);
    const out: Json = { content: this.register(content, consumes.origin ?? body.origin) };
    if (body.parameter['description'] !== undefined) out['description'] = body.parameter['description'];
    if (body.parameter['required'] === true) out['required'] = true;
    for (const [key, value] of Object.entries(body.parameter)) if (key.startsWith('x-')) out[key] = value;
    return this.register(out, body.origin);
  }

  private formRequest(form: readonly LocatedParameter[], consumes: MediaTypes): Json {
    const first = form[0]!.origin;
    const properties: Json = {};
    const required: string[] = [];
    const requiredOrigins = new Map<string, Origin>();
    for (const field of form) {
      const schema = this.itemsSchema(field.parameter, field.origin);
      for (const key of ['description', 'deprecated', 'x-sunset', 'x-stability-level']) if (field.parameter[key] !== undefined) schema[key] = field.parameter[key];
      properties[field.name] = schema;
      if (field.parameter['required'] === true) {
        requiredOrigins.set(String(required.length), below(field.origin, 'required'));
        required.push(field.name);
      }
    }
    const schema: Json = { type: 'object', properties: this.register(properties, first) };
    if (required.length > 0) schema['required'] = this.register(required, first, requiredOrigins);
    this.register(schema, first);
    const hasFile = form.some((field) => field.parameter['type'] === 'file');
    let types: MediaType[] = consumes.filter(({ type }) => FORM_TYPES.includes(type.split(';')[0]!.trim()));
    if (types.length === 0) types = [{ type: hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded' }];
    const content: Json = {};
    for (const { type, origin } of types) content[type] = this.register({ schema }, origin ?? first);
    const out: Json = { content: this.register(content, consumes.origin ?? first) };
    if (required.length > 0) out['required'] = true;
    return this.register(out, first);
  }

  private response(response: Json, origin: Origin, produces: MediaTypes): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(response)) if (key === 'description' || key.startsWith('x-')) out[key] = value;
    const headers = response['headers'];
    if (isObject(headers)) {
      const converted: Json = {};
      for (const [name, header] of Object.entries(headers)) {
        if (!isObject(header)) continue;
        const headerOrigin: Origin = below(origin, 'headers', name);
        const value: Json = { schema: this.itemsSchema(header, headerOrigin) };
        for (const [key, field] of Object.entries(header)) if (key === 'description' || key.startsWith('x-')) value[key] = field;
        converted[name] = value;
      }
      out['headers'] = converted;
    }
    if (response['schema'] !== undefined) {
      const schema = this.schemaAt(response['schema'], below(origin, 'schema'));
      const content: Json = {};
      for (const { type, origin: at } of produces) content[type] = this.register({ schema }, at ?? origin);
      out['content'] = this.register(content, produces.origin ?? origin);
    }
    return this.register(out, origin);
  }

  /** A schema of the main file is converted in place; one in another file is $ref'd there (its refs are relative to it). */
  private schemaAt(schema: unknown, origin: Origin): unknown {
    if (origin.doc === this.main) return this.schema(schema, origin);
    const relative = posix.relative(posix.dirname(this.main.file), origin.doc.file);
    const fragment = origin.pointer.segments().map((key) => encodeURIComponent(key.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
    return this.register({ $ref: `${relative}#/${fragment}` }, origin);
  }

  /**
   * A 2.0 schema as a 3.0 one: refs to definitions renamed, string discriminators and `file`
   * converted. A schema reached again (a global body parameter or response used by many
   * operations) is converted once: the copy has the same origin, so it is shared.
   */
  private schema(schema: unknown, origin?: Origin): unknown {
    if (!isObject(schema)) return schema;
    const known = this.converted.get(schema);
    if (known) return known;
    this.spend(origin);
    const out: Json = {};
    for (const [key, value] of Object.entries(schema)) {
      if (key === '$ref' && typeof value === 'string') out[key] = value.startsWith('#/definitions/') ? `#/components/schemas/${value.slice('#/definitions/'.length)}` : value;
      else if (SCHEMA_MAPS.has(key) && isObject(value)) {
        const map: Json = {};
        for (const [name, member] of Object.entries(value)) map[name] = this.schema(member);
        out[key] = map;
      } else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map((member) => this.schema(member));
      else if (SCHEMA_SINGLE.has(key)) out[key] = Array.isArray(value) ? value.map((member) => this.schema(member)) : this.schema(value);
      else if (key === 'discriminator' && typeof value === 'string') out[key] = { propertyName: value };
      else if (key === 'x-nullable' && value === true) {
        out[key] = value;
        out['nullable'] = true;
      } else out[key] = value;
    }
    if (out['type'] === 'file') {
      out['type'] = 'string';
      out['format'] = 'binary';
    }
    this.converted.set(schema, out);
    return origin ? this.register(out, origin) : out;
  }

  private securityScheme(scheme: Json, origin: Origin): Json {
    const out: Json = {};
    for (const [key, value] of Object.entries(scheme)) if (key === 'description' || key.startsWith('x-')) out[key] = value;
    if (scheme['type'] === 'basic') Object.assign(out, { type: 'http', scheme: 'basic' });
    else if (scheme['type'] === 'apiKey') Object.assign(out, { type: 'apiKey', name: scheme['name'], in: scheme['in'] });
    else if (scheme['type'] === 'oauth2') {
      const flow: Json = {};
      for (const key of ['authorizationUrl', 'tokenUrl', 'scopes']) if (scheme[key] !== undefined) flow[key] = scheme[key];
      const name = OAUTH_FLOWS[String(scheme['flow'])] ?? String(scheme['flow']);
      Object.assign(out, { type: 'oauth2', flows: this.register({ [name]: this.register(flow, origin) }, origin) });
    } else out['type'] = scheme['type'];
    return this.register(out, origin);
  }
}

interface LocatedParameter { readonly name: string; readonly parameter: Json; readonly origin: Origin }
interface ParameterList { plain: Array<{ name: string; value: Json }>; body?: LocatedParameter; form: LocatedParameter[] }

function parameterName(parameter: Json): string {
  return String(parameter['name']);
}

interface MediaType { readonly type: string; readonly origin?: Origin }
/** Media types, and where their list is written (undefined for the default). */
type MediaTypes = MediaType[] & { readonly origin: Origin | undefined };

function mergeByName(shared: readonly LocatedParameter[], own: readonly LocatedParameter[]): LocatedParameter[] {
  const names = new Set(own.map((field) => field.name));
  return [...shared.filter((field) => !names.has(field.name)), ...own];
}

/** collectionFormat as 3.0 style/explode (csv is the 2.0 default and the 3.0 default for none). */
function collectionStyle(parameter: Json): Json | undefined {
  if (parameter['type'] !== 'array') return undefined;
  const format = parameter['collectionFormat'] ?? 'csv';
  const location = parameter['in'];
  if (format === 'multi') return { style: 'form', explode: true };
  if (format === 'ssv') return { style: 'spaceDelimited', explode: false };
  if (format === 'pipes') return { style: 'pipeDelimited', explode: false };
  if (format === 'csv') return location === 'query' || location === 'cookie' ? { style: 'form', explode: false } : { style: 'simple', explode: false };
  return { 'x-collection-format': format };
}
