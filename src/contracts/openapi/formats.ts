// Format changes that keep every value readable: a wider format accepts every value of the
// narrower one, so widening a request or narrowing a response is compatible (the catalogue's
// `*-type-compatible`, INFO); the opposite, or formats that are not nested, change the type.

/** Each chain lists formats of one type, narrowest first. */
const FORMAT_CHAINS: readonly (readonly string[])[] = [
  ['int8', 'int16', 'int32', 'int64'],
  ['uint8', 'uint16', 'uint32', 'uint64'],
  ['float', 'double'],
];

export type FormatRelation = 'wider' | 'narrower' | 'unrelated';

/** How `after` relates to `before` (both given and different). */
export function formatRelation(before: unknown, after: unknown): FormatRelation {
  for (const chain of FORMAT_CHAINS) {
    const from = chain.indexOf(String(before));
    const to = chain.indexOf(String(after));
    if (from === -1 || to === -1) continue;
    return to > from ? 'wider' : 'narrower';
  }
  return 'unrelated';
}
