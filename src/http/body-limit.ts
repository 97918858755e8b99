// Webhook bodies are bounded before anything reads them whole. Probot's webhook middleware
// reads the entire body into memory and only then checks the signature, so an unsigned
// 400 MB POST would cost 400 MB (and more while it is decoded). GitHub never sends a
// payload over 25 MB: anything larger is refused with 413 — from Content-Length before a
// byte of the body is read, and for a chunked body as soon as the bytes read pass the limit.
//
// A refused request is closed gracefully, so that the sender sees the 413: the answer goes
// with `Connection: close`, nothing more of the body is read (it stays in the kernel's
// buffers, and the sender's window closes), and once the answer is flushed the socket is
// ended (a FIN after the 413), not reset. Node would destroy it as soon as the answer is
// written, and closing a socket with unread bytes makes the kernel send a reset, which can
// overtake the 413 at the sender: it then sees "connection reset" instead of the answer. The
// socket is destroyed only after a linger time (default 5 s) for the sender to read the 413.
//
// Probot's Server puts its webhook middleware first among its request handlers, so the guard
// sits in front of the whole server: it owns the `request` event and hands a body that fits
// on as `req.body` (a string), which the middleware takes instead of reading the stream.
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** GitHub caps webhook payloads at 25 MB. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** How long a refused connection stays open, unread, after its 413 was sent, for the sender to read it. */
export const REFUSED_LINGER_MS = 5_000;

export interface BodyLimitOptions {
  /** The webhook path (WEBHOOK_PATH); other routes are left alone. */
  path: string;
  maxBytes?: number;
  /** Called once per refused request (a metric). */
  onRejected?: (reason: 'too_large') => void;
  /** Default REFUSED_LINGER_MS. */
  lingerMs?: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Puts the guard in front of every `request` listener the server has now. */
export function limitWebhookBodies(server: HttpServer, options: BodyLimitOptions): void {
  const downstream = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  const guard = webhookBodyGuard(options);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    guard(req, res, () => {
      for (const listener of downstream) listener.call(server, req, res);
    });
  });
}

/**
 * The guard itself: `next` runs with `req.body` set to the body text when the request is a
 * POST to the webhook path that fits, and right away for every other request.
 */
export function webhookBodyGuard(options: BodyLimitOptions) {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const path = trimTrailingSlashes(options.path);
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (req.method !== 'POST' || pathnameOf(req.url) !== path) return next();
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      refuse(req, res, maxBytes, options);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        refuse(req, res, maxBytes, options);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      (req as IncomingMessage & { body?: string }).body = Buffer.concat(chunks, size).toString('utf8');
      next();
    });
    req.once('error', () => {
      done = true;
      chunks.length = 0;
    });
  };
}

function refuse(req: IncomingMessage, res: ServerResponse, maxBytes: number, options: BodyLimitOptions): void {
  options.onRejected?.('too_large');
  stopReading(req);
  lingerInsteadOfReset(req.socket, options.lingerMs ?? REFUSED_LINGER_MS);
  const body = JSON.stringify({ error: `Payload Too Large: webhook bodies over ${maxBytes} bytes (GitHub's 25 MB maximum) are refused unread` });
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/**
 * Nothing more of the request is read. Node resumes the socket of a request whose body nobody
 * read when its response finishes (it "dumps" the rest, reading and discarding it), and may do
 * so on a later tick: every resume of this socket is undone.
 */
function stopReading(req: IncomingMessage): void {
  req.removeAllListeners('data');
  req.pause();
  const socket = req.socket;
  socket.on('resume', () => socket.pause());
  socket.pause();
}

/**
 * Node closes a `Connection: close` socket with `destroySoon()` once the response is written:
 * end, then destroy as soon as the output is flushed — a reset, with the body unread. For this
 * socket: end (the FIN follows the 413), and destroy after `lingerMs` (or when it closes first).
 */
function lingerInsteadOfReset(socket: Socket, lingerMs: number): void {
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}

/** The path exactly as @octokit/webhooks' middleware computes it, so the two always agree on what is the webhook route. */
function pathnameOf(url: string | undefined): string | undefined {
  try {
    return new URL(trimTrailingSlashes(url ?? '/'), 'http://localhost').pathname;
  } catch {
    return undefined; // the middleware answers 422 for it
  }
}

function trimTrailingSlashes(p: string): string {
  return p.replace(/\/+$/, '') || '/';
}
