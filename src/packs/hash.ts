// The version hash of a pack: sha256 of the canonical JSON of the validated pack, so
// key order and formatting in the YAML never change it.
import { canonicalJson, sha256Hex } from '../canonical.js';

export { canonicalJson, sha256Hex };

/** sha256 hex of the canonical JSON of a validated pack. */
export function packVersionHash(pack: unknown): string {
  return sha256Hex(canonicalJson(pack));
}
