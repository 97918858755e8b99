// A media type replaced by a related one (`application/json` by `application/problem+json`,
// `text/*` by `text/plain`, a parameter added): one rename, not a removal plus an addition,
// and the schemas of the pair are still compared. The catalogue has ids for responses only;
// in requests the two stay a removal and an addition.
import type { Direction } from './schema-compare.js';

export type MediaTypeRelation = 'changed' | 'generalized' | 'specialized';

/** The catalogue's ids per direction and relation. */
const RENAME_IDS: Readonly<Record<Direction, Readonly<Record<MediaTypeRelation, string>> | undefined>> = {
  request: undefined,
  response: {
    changed: 'response-media-type-name-changed',
    generalized: 'response-media-type-name-generalized',
    specialized: 'response-media-type-name-specialized',
  },
};

export const MEDIA_TYPE_NAME_IDS: readonly string[] = Object.values(RENAME_IDS).flatMap((ids) => (ids ? Object.values(ids) : []));

interface MediaTypeName { readonly type: string; readonly subtype: string; readonly suffix: string | undefined }

function parse(name: string): MediaTypeName {
  const essence = (name.split(';')[0] ?? '').trim().toLowerCase();
  const [type = '', subtype = ''] = essence.split('/');
  const plus = subtype.lastIndexOf('+');
  return { type, subtype, suffix: plus === -1 ? undefined : subtype.slice(plus + 1) };
}

/** True when every message of media type `narrow` is also one of `wide`. */
function covers(wide: MediaTypeName, narrow: MediaTypeName): boolean {
  if (wide.type === '*') return true;
  if (wide.type !== narrow.type) return false;
  // application/* covers application/json; application/json covers application/problem+json.
  return wide.subtype === '*' || (narrow.suffix !== undefined && narrow.suffix === wide.subtype);
}

/** How `after` relates to `before`; undefined when they are unrelated. */
export function mediaTypeRelation(before: string, after: string): MediaTypeRelation | undefined {
  const a = parse(before);
  const b = parse(after);
  if (a.type === b.type && a.subtype === b.subtype) return 'changed';
  if (covers(a, b)) return 'specialized';
  if (covers(b, a)) return 'generalized';
  return undefined;
}

export interface MediaTypeRename { readonly before: string; readonly after: string; readonly id: string; readonly relation: MediaTypeRelation }

/**
 * Pairs removed media types with added ones they are related to (the same essence first,
 * then a wider or narrower one), in the given direction. Unpaired ones stay removals and additions.
 */
export function pairRenamedMediaTypes(direction: Direction, removed: readonly string[], added: readonly string[]): MediaTypeRename[] {
  const ids = RENAME_IDS[direction];
  if (!ids) return [];
  const free = [...added];
  const renames: MediaTypeRename[] = [];
  for (const preference of ['changed', 'specialized', 'generalized'] as const) {
    for (const before of removed) {
      if (renames.some((rename) => rename.before === before)) continue;
      const index = free.findIndex((after) => mediaTypeRelation(before, after) === preference);
      if (index === -1) continue;
      const after = free.splice(index, 1)[0]!;
      renames.push({ before, after, id: ids[preference], relation: preference });
    }
  }
  return renames;
}
