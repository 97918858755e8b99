// Reading a body from GitHub that may be megabytes — a file (raw, or the contents API's
// JSON), a PR's file list with its patches, a compare — without stalling the event loop.
//
// Octokit reads a success body whole and parses JSON with `json-with-bigint`, a regular
// expression over the text: a 1 MB pack fetched as base64 JSON held the event loop for
// 250 ms, a 19 MB spec for half a second between undici's concat and the decode. Here the
// body stream is read and decoded a slice at a time (text-slices.ts) and JSON goes through
// the native `JSON.parse`. Errors (status >= 400) are Octokit's as ever: it parses those.

import { decodeUtf8 } from '../text-slices.js';
import type { OctokitLike } from './octokit.js';

type Response = Awaited<ReturnType<OctokitLike['request']>>;

/** `octokit.request(route, params)` for a body that may be large: the same `{ status, data, headers }`. */
export async function requestLarge(octokit: OctokitLike, route: string, params: Record<string, unknown>): Promise<Response> {
  const request = { ...(isRecord(params.request) ? params.request : {}), parseSuccessResponseBody: false };
  const res = await octokit.request(route, { ...params, request });
  // An Octokit stand-in (tests, scripts) may hand back a parsed body: take it as it is.
  if (!isByteStream(res.data)) return res;
  const text = await decodeUtf8(res.data);
  return { ...res, data: isJson(res.headers?.['content-type']) ? parseJson(text) : text };
}

function isByteStream(data: unknown): data is AsyncIterable<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && data instanceof ReadableStream;
}

/** JSON exactly when Octokit would parse it (the raw media types are the file itself). */
function isJson(contentType: string | number | undefined): boolean {
  const type = String(contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'application/scim+json';
}

/** As Octokit does, a body that says JSON and is not is handed back as text. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
