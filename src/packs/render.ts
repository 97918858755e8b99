// Writes a pack as YAML for humans: the yaml-language-server line first, optional header
// comments, then the pack; the `legacy` block (if any) is introduced by a comment.
import { Document, isMap, isPair, isScalar } from 'yaml';
import type { PackInput } from './schema.js';

export interface RenderOptions {
  /** Path or URL of policy-pack.schema.json, for the yaml-language-server line. */
  schemaRef: string;
  /** Comment lines after the schema line (without "# "). */
  header?: string[];
}

export function renderPackYaml(pack: PackInput, options: RenderOptions): string {
  const doc = new Document(pack);
  if (isMap(doc.contents)) {
    for (const item of doc.contents.items) {
      if (isPair(item) && isScalar(item.key) && item.key.value === 'legacy') {
        item.key.commentBefore =
          ' Fields of the legacy record that have no home in the unified model. PuddleJumper\n' +
          ' does not read them; `pj migrate --rollback` needs them to give the old record back.';
        item.key.spaceBefore = true;
      }
      if (isPair(item) && isScalar(item.key) && (item.key.value === 'trackA' || item.key.value === 'trackB')) {
        item.key.spaceBefore = true;
      }
    }
  }
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  const header = [`# yaml-language-server: $schema=${options.schemaRef}`, ...(options.header ?? []).map((l) => `# ${l}`)];
  return `${header.join('\n')}\n${body}`;
}
