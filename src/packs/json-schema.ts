// The JSON Schema for editors (yaml-language-server), generated from the zod schema so it
// can never disagree with it. `policy-packs/policy-pack.schema.json` is this output; a test
// fails when the committed file is stale (`npx pj schema > policy-packs/policy-pack.schema.json`).
import { z } from 'zod';
import { Pack } from './schema.js';

export const PACK_SCHEMA_ID = 'urn:puddlejumper:policy-pack';

export function packJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(Pack, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: PACK_SCHEMA_ID,
    title: 'PuddleJumper policy pack',
    description:
      'A policy pack: Track A contract checks, Track B drift remediation and the approval tiers they share. ' +
      'Comparator and drift-type `config` blocks are checked by `pj validate` against the schema of each type.',
    ...rest,
  };
}

/** The file content: 2-space JSON with a trailing newline. */
export function packJsonSchemaText(): string {
  return `${JSON.stringify(packJsonSchema(), null, 2)}\n`;
}
