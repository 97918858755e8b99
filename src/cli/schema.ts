// `pj schema`: prints the JSON Schema of a policy pack, generated from the zod schema.
import { packJsonSchemaText } from '../packs/json-schema.js';

const HELP = `Usage: pj schema

Prints the JSON Schema of a policy pack (the one shipped as
policy-packs/policy-pack.schema.json). Editors that speak yaml-language-server use it
through the first line of each pack:

  # yaml-language-server: $schema=./policy-pack.schema.json

Regenerate the shipped copy: npx pj schema > policy-packs/policy-pack.schema.json
`;

export async function runSchema(argv: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  if (argv.length > 0) {
    io.err(`pj schema: unexpected argument "${argv[0]}"\n\n${HELP}`);
    return 2;
  }
  io.out(packJsonSchemaText());
  return 0;
}
