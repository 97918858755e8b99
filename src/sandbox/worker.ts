// One parse worker: runs the OpenAPI engine or pack validation on a document it is sent,
// asking the main thread for any other file it needs (relative $refs). Whatever it does, the
// main thread's deadline bounds it (pool.ts terminates a worker that takes too long).
import { parentPort } from 'node:worker_threads';
import { openapiDiff, SpecParseError, type DiffOptions, type ReadFile } from '../contracts/openapi/index.js';
import { loadSpecSet } from '../contracts/openapi/refs.js';
import { comparatorConfigSchemas } from '../contracts/registry.js';
import { driftTypeConfigSchemas } from '../drift/types.js';
import { loadPackSet } from '../packs/load-set.js';
import { readDocOutline } from '../drift/markdown.js';
import { readSpecOps } from '../drift/detectors/api-reference.js';
import { fromWire, type FromWorker, type TaskRequest, type ToWorker, type WorkerError } from './protocol.js';

const port = parentPort!;
const pendingReads = new Map<number, { resolve(v: string | undefined): void; reject(e: Error): void }>();
let nextRead = 0;

const send = (msg: FromWorker) => port.postMessage(msg);

function reader(side: 'base' | 'head'): ReadFile {
  return (path) =>
    new Promise((resolve, reject) => {
      const readId = ++nextRead;
      pendingReads.set(readId, { resolve, reject });
      send({ type: 'read', readId, side, path });
    });
}

async function run(request: TaskRequest): Promise<unknown> {
  switch (request.kind) {
    case 'diff': {
      const { canReadBase, canReadHead, ...rest } = request.options;
      const options: DiffOptions = { ...rest };
      if (canReadBase) options.readBase = reader('base');
      if (canReadHead) options.readHead = reader('head');
      return openapiDiff(fromWire(request.base), fromWire(request.head), options);
    }
    case 'fileSet': {
      const set = await loadSpecSet(fromWire(request.main), { maxBytes: request.maxBytes, ...(request.canRead ? { read: reader('head') } : {}) });
      return set.filePaths();
    }
    case 'packs': {
      // Each file parsed once, saying which first: a file that passes the deadline is named in the error.
      return loadPackSet(request.files, { comparators: comparatorConfigSchemas, driftTypes: driftTypeConfigSchemas }, request.sha, { onFile: (file) => send({ type: 'progress', file }) });
    }
    case 'specOps':
      return readSpecOps(fromWire(request.main), request.canRead ? reader('head') : async () => undefined);
    case 'markdown': {
      // The only parse of the doc: the main thread builds the doc from the outline.
      const doc = fromWire(request.doc);
      return readDocOutline(doc.path, doc.content, request.maxBytes);
    }
  }
}

function describe(error: unknown): WorkerError {
  if (error instanceof SpecParseError) return { name: error.name, message: error.message, file: error.file, line: error.line, column: error.column };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'read') {
    const pending = pendingReads.get(msg.readId);
    if (!pending) return;
    pendingReads.delete(msg.readId);
    if (msg.error !== undefined) pending.reject(new Error(msg.error));
    else pending.resolve(msg.content);
    return;
  }
  run(msg.request).then(
    (result) => send({ type: 'done', result }),
    (error: unknown) => send({ type: 'failed', error: describe(error) }),
  );
});
send({ type: 'ready' });
