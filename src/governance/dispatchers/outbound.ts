// Outbound HTTP to URLs that pack authors chose (webhooks). Pack authors are not trusted with
// the App's network position:
// - https only; plain http only to a loopback host when PJ_ALLOW_HTTP_WEBHOOKS=1 (tests, local dev);
// - the host is resolved first and EVERY address it resolves to must be public: loopback,
//   link-local (169.254.0.0/16, with the cloud metadata endpoint), private, shared (CGNAT),
//   unique-local, multicast and unspecified addresses are refused, unless the host is listed
//   in PJ_WEBHOOK_ALLOWED_HOSTS (comma-separated host names);
// - the connection goes to the address that was checked (the resolver is pinned), so a DNS
//   answer that changes between the check and the connect cannot slip through;
// - redirects are not followed (a 3xx fails the delivery);
// - the response is read up to a cap and never logged or stored: only its status and size.
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { DispatchError } from '../retry.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type Resolve = (host: string) => Promise<ResolvedAddress[]>;

export const defaultResolve: Resolve = async (host) => dnsLookup(host, { all: true, verbatim: true });

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

const ranges: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'private'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'private'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fc00::', 7, 'ipv6', 'unique-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];
const lists = ranges.map(([net, prefix, type, label]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, type, label };
});

/** The kind of a non-public address ("loopback", "link-local", ...), or undefined for a public one. */
export function forbiddenAddressKind(address: string): string | undefined {
  let ip = address.replace(/^\[|\]$/g, '');
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  // IPv4-mapped and NAT64 IPv6 addresses carry an IPv4 address: judge that one.
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (hexMapped) {
    const hi = parseInt(hexMapped[1]!, 16);
    const lo = parseInt(hexMapped[2]!, 16);
    ip = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const l of lists) if (l.type === type && l.list.check(ip, type)) return l.label;
  return undefined;
}

export interface OutboundPolicy {
  /** PJ_ALLOW_HTTP_WEBHOOKS=1: plain http (and loopback addresses) to a loopback host. */
  allowHttpLoopback: boolean;
  /** PJ_WEBHOOK_ALLOWED_HOSTS: hosts that may resolve to non-public addresses. */
  allowedHosts: ReadonlySet<string>;
}

export function outboundPolicy(env: Record<string, string | undefined>): OutboundPolicy {
  return {
    allowHttpLoopback: env.PJ_ALLOW_HTTP_WEBHOOKS === '1',
    allowedHosts: new Set(
      (env.PJ_WEBHOOK_ALLOWED_HOSTS ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => h.length > 0),
    ),
  };
}

/** What can be said about a URL without resolving it: undefined when it may be tried. */
export function urlProblem(raw: string, policy: OutboundPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  const host = url.hostname.toLowerCase();
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  const loopbackHost = LOOPBACK_HOSTS.has(host);
  if (url.protocol === 'http:') {
    if (!(loopbackHost && policy.allowHttpLoopback)) return 'must use https (plain http only to a loopback host with PJ_ALLOW_HTTP_WEBHOOKS=1)';
  } else if (url.protocol !== 'https:') {
    return 'must use https';
  }
  if (policy.allowedHosts.has(host) || (loopbackHost && policy.allowHttpLoopback)) return undefined;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) {
    const kind = forbiddenAddressKind(host);
    if (kind !== undefined) return `points to a ${kind} address (${host}); list the host in PJ_WEBHOOK_ALLOWED_HOSTS to allow it`;
  }
  return undefined;
}

export interface PostResult {
  status: number;
  /** Bytes of the response body that were read (capped). */
  bytes: number;
}

export interface SafePostOptions {
  policy: OutboundPolicy;
  resolve?: Resolve;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** At most this many response bytes are read (the rest is discarded). */
  maxResponseBytes?: number;
}

/**
 * POSTs `body` to `rawUrl` under the outbound policy. Throws a DispatchError: not retryable
 * for a refused URL or address and for a redirect; with the status for an HTTP error (the
 * pipeline retries 5xx, 408 and 429); retryable for network errors and timeouts. Messages name
 * the host only, never the path (it may hold a token) nor the response body.
 */
export async function safePost(rawUrl: string, body: string, headers: Record<string, string>, o: SafePostOptions): Promise<PostResult> {
  const problem = urlProblem(rawUrl, o.policy);
  const url = new URL(rawUrl);
  const host = url.hostname.toLowerCase();
  if (problem !== undefined) throw new DispatchError(`webhook URL ${problem}`, { retryable: false });

  let pinned: ResolvedAddress[] | undefined;
  const trusted = o.policy.allowedHosts.has(host) || (LOOPBACK_HOSTS.has(host) && o.policy.allowHttpLoopback);
  const bareHost = host.replace(/^\[|\]$/g, '');
  if (!trusted && isIP(bareHost) === 0) {
    let addresses: ResolvedAddress[];
    try {
      addresses = await (o.resolve ?? defaultResolve)(bareHost);
    } catch (error) {
      throw new DispatchError(`webhook host ${host} could not be resolved: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (addresses.length === 0) throw new DispatchError(`webhook host ${host} has no address`);
    for (const a of addresses) {
      const kind = forbiddenAddressKind(a.address);
      if (kind !== undefined) {
        throw new DispatchError(`webhook host ${host} resolves to a ${kind} address (${a.address}); list the host in PJ_WEBHOOK_ALLOWED_HOSTS to allow it`, {
          retryable: false,
        });
      }
    }
    pinned = addresses;
  }
  const lookup: LookupFunction | undefined =
    pinned === undefined
      ? undefined
      : (_hostname, options, callback) => {
          const list = pinned!;
          if (options.all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, list);
          else callback(null, list[0]!.address, list[0]!.family);
        };

  const timeoutMs = o.timeoutMs ?? 15_000;
  const signal = o.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), o.signal]) : AbortSignal.timeout(timeoutMs);
  const maxBytes = o.maxResponseBytes ?? 64 * 1024;
  const mod = url.protocol === 'https:' ? https : http;
  const payload = Buffer.from(body, 'utf8');

  return new Promise<PostResult>((resolvePromise, reject) => {
    const fail = (error: unknown) => {
      if (error instanceof DispatchError) return reject(error);
      const e = error as { name?: string; message?: string; code?: string };
      const timedOut = e?.name === 'AbortError' || e?.name === 'TimeoutError' || signal.aborted;
      reject(new DispatchError(`POST ${host} failed: ${timedOut ? `timed out after ${timeoutMs} ms` : (e?.code ?? e?.message ?? String(error))}`));
    };
    const req = mod.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(payload.length), ...headers },
        signal,
        agent: false,
        ...(lookup ? { lookup } : {}),
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxBytes) res.destroy();
        });
        const done = () => {
          const status = res.statusCode ?? 0;
          const size = Math.min(bytes, maxBytes);
          if (status >= 300 && status < 400) {
            return reject(new DispatchError(`POST ${host} answered ${status} (a redirect; redirects are not followed)`, { retryable: false }));
          }
          if (status < 200 || status >= 300) {
            const h: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h[k] = v;
            return reject(new DispatchError(`POST ${host} answered ${status} (${size} bytes)`, { status, headers: h }));
          }
          resolvePromise({ status, bytes: size });
        };
        res.on('end', done);
        res.on('close', () => (res.complete ? undefined : bytes > maxBytes ? done() : fail(new Error('connection closed early'))));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}
