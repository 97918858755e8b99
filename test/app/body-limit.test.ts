// Issue 9 item 6: an unsigned 400 MB POST used to be read whole before the signature was
// checked. Over HTTP, against the production server composition: bodies over GitHub's 25 MB
// are refused with 413 before they are read, and counted; the connection is then ended after
// the answer (not reset), so that a sender still sending, or slow to read, sees the 413.
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/database.js';
import type { EventRoutes } from '../../src/app.js';
import { MAX_WEBHOOK_BYTES } from '../../src/http/body-limit.js';
import { registry } from '../../src/metrics.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { examplePayload } from '../helpers/payloads.js';
import { postWebhook, startTestServer } from '../helpers/server.js';

interface Sent {
  status: number;
  body: string;
  /** Body bytes the client had written when the answer came. */
  sentBytes: number;
  /** How the server closed the connection after answering: a FIN (`end`) or a reset. */
  closed: 'end' | 'reset';
}

/**
 * POSTs to the webhook path over a raw socket (no client library buffers the body) and keeps
 * writing 1 MB chunks until the server answers — at most `total` bytes; the body is never
 * finished, so only a server that stops reading can answer at all. Resolves once the answer
 * is read and the server has closed the connection (however long that takes: no timing is
 * assumed); rejects when the connection goes without a complete answer.
 */
function postHuge(url: string, options: { total: number; declare: boolean; readAfterMs?: number }): Promise<Sent> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    let sentBytes = 0;
    let answer = '';
    let answered: { sentBytes: number } | undefined;
    const complete = () => {
      const head = answer.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(answer)?.[1];
      return head !== -1 && length !== undefined && answer.length - head - 4 >= Number(length);
    };
    const closed = (how: 'end' | 'reset') => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      socket.destroy();
      if (!answered || !status) return reject(new Error(`no complete HTTP answer before the connection ${how === 'end' ? 'ended' : 'was reset'} (sent ${sentBytes} bytes, read ${JSON.stringify(answer.slice(0, 80))})`));
      resolve({ status, body: answer.slice(answer.indexOf('\r\n\r\n') + 4), sentBytes: answered.sentBytes, closed: how });
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      answer += d;
      if (!answered && complete()) answered = { sentBytes };
    });
    socket.once('end', () => closed('end'));
    socket.once('error', () => closed('reset'));
    const frame = (b: Buffer) => (options.declare ? [b] : [Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const pump = () => {
      while (!answered && sentBytes < options.total) {
        const n = Math.min(chunk.length, options.total - sentBytes);
        sentBytes += n;
        let ok = true;
        for (const part of frame(n === chunk.length ? chunk : chunk.subarray(0, n))) ok = socket.write(part) && ok;
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    socket.once('connect', () => {
      if (options.readAfterMs !== undefined) {
        // A sender slow to read (a busy machine): the answer waits in its receive buffer.
        socket.pause();
        setTimeout(() => socket.resume(), options.readAfterMs);
      }
      socket.write(
        [
          'POST /api/github/webhooks HTTP/1.1',
          `host: ${hostname}:${port}`,
          'content-type: application/json',
          'x-github-event: pull_request',
          `x-github-delivery: ${crypto.randomUUID()}`,
          `x-hub-signature-256: sha256=${'0'.repeat(64)}`,
          options.declare ? `content-length: ${options.total}` : 'transfer-encoding: chunked',
          '',
          '',
        ].join('\r\n'),
      );
      pump();
    });
  });
}

const rejectedTooLarge = async () => (await registry.getSingleMetric('pj_webhook_rejected_total')!.get()).values.find((v) => v.labels.reason === 'too_large')?.value ?? 0;

describe('webhook body limit over HTTP', () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let calls: string[];

  beforeEach(async () => {
    db = await openMemoryDatabase();
    calls = [];
    const routes = (): EventRoutes => ({
      pull_request: async (context) => {
        calls.push(`${context.name}.${(context.payload as { action: string }).action}`);
      },
    });
    server = await startTestServer({ db, routes });
  });

  afterEach(async () => {
    await server.stop();
    await db.destroy();
  });

  it('refuses a declared 400 MB body with 413 after reading none of it, and counts it', async () => {
    const before = await rejectedTooLarge();
    const res = await postHuge(server.url, { total: 400 * 1024 * 1024, declare: true });
    expect(res.status).toBe(413);
    expect(res.body).toContain('over 26214400 bytes');
    expect(res.closed).toBe('end');
    // The answer came while the client was still sending: nowhere near 400 MB went out.
    expect(res.sentBytes).toBeLessThan(64 * 1024 * 1024);
    expect(await rejectedTooLarge()).toBe(before + 1);
    expect(calls).toEqual([]);
    expect(await db.selectFrom('webhook_deliveries').selectAll().execute()).toEqual([]);
  });

  it('stops reading a chunked body (no Content-Length) once it passes 25 MB', async () => {
    const before = await rejectedTooLarge();
    const res = await postHuge(server.url, { total: 400 * 1024 * 1024, declare: false });
    expect(res.status).toBe(413);
    expect(res.sentBytes).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    // Refused long before the 400 MB were all sent (how far past 25 MB the sender got depends on socket buffers and load).
    expect(res.sentBytes).toBeLessThan(200 * 1024 * 1024);
    expect(await rejectedTooLarge()).toBe(before + 1);
    expect(calls).toEqual([]);
  });

  // The sender keeps sending while the server answers: closing a socket with unread bytes
  // resets it, and a reset can overtake the 413. The server ends it instead, after the answer.
  it.each([
    ['declared', true],
    ['chunked', false],
  ])('a sender still sending a %s body reads the whole 413 and then the end of the connection, not a reset', async (_, declare) => {
    for (let i = 0; i < 3; i++) {
      const res = await postHuge(server.url, { total: 400 * 1024 * 1024, declare, readAfterMs: 1000 });
      expect(res.status).toBe(413);
      expect(res.body).toContain('Payload Too Large');
      expect(res.closed).toBe('end');
      // The sender wrote for a whole second before reading: a server still reading (even to
      // discard) takes 70-160 MB by then here; one that stopped holds it to 25 MB and its buffers.
      expect(res.sentBytes).toBeLessThan(64 * 1024 * 1024);
    }
  });

  it('still takes a signed delivery under the limit, and the server keeps serving after refusing one', async () => {
    expect((await postHuge(server.url, { total: 30 * 1024 * 1024, declare: true })).status).toBe(413);
    // A body just under the limit is read whole and handed on: here its signature is wrong, Probot's 400.
    const padded = { ...examplePayload('pull_request', 'opened'), padding: 'x'.repeat(MAX_WEBHOOK_BYTES - 200_000) };
    const near = await postWebhook(server.url, 'pull_request', padded, { signature: 'sha256=' + '0'.repeat(64) });
    expect(near.status).toBe(400);
    expect(await near.text()).toContain('signature does not match');
    const res = await postWebhook(server.url, 'pull_request', examplePayload('pull_request', 'opened'));
    expect(res.status).toBe(200);
    expect(calls).toEqual(['pull_request.opened']);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
