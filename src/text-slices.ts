// Turning megabytes of text into bytes and back without holding the event loop.
//
// A 19 MB spec fetched from GitHub used to be read whole by undici (`Buffer.concat`), decoded
// to a string in one call, then encoded to UTF-8 again in one call to be transferred to the
// parse worker: three stalls of 70–230 ms each on the main thread, long enough for
// `/healthz` to miss its 100 ms. Here each is done a slice at a time, with a turn of the
// event loop (`setImmediate`) after every `slice` bytes, so the longest stall is one slice.

import { StringDecoder } from 'node:string_decoder';

/** The work done between two turns of the event loop: about 5–10 ms of encoding. */
export const DEFAULT_SLICE = 1 << 20;

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `Buffer.from(text, 'utf8')` a slice at a time; the result owns its ArrayBuffer (transferable). */
export async function encodeUtf8(text: string, slice = DEFAULT_SLICE): Promise<Uint8Array> {
  if (text.length <= slice) return Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  let written = 0;
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + slice);
    // Never split a surrogate pair: each half alone would encode as U+FFFD.
    if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end += end - 1 > at ? -1 : 1;
    written += out.write(text.slice(at, end), written, 'utf8');
    at = end;
    if (at < text.length) await yieldToLoop();
  }
  return out;
}

/** The UTF-8 text of a stream of byte chunks (a fetch body), yielding every `slice` bytes. */
export async function decodeUtf8(chunks: AsyncIterable<Uint8Array>, slice = DEFAULT_SLICE): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let sinceYield = 0;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.byteLength; at += slice) {
      const part = chunk.subarray(at, Math.min(chunk.byteLength, at + slice));
      text += decoder.write(part);
      sinceYield += part.byteLength;
      if (sinceYield >= slice) {
        sinceYield = 0;
        await yieldToLoop();
      }
    }
  }
  return text + decoder.end();
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
