#!/usr/bin/env node
// Regenerates schema/policy-pack.schema.json from the zod pack schema.
// Needs the compiled sources: `npm run build && node scripts/gen-schema.mjs`.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packJsonSchemaText } = await import(join(root, 'dist/src/packs/json-schema.js'));
const target = join(root, 'schema/policy-pack.schema.json');
writeFileSync(target, packJsonSchemaText());
console.log(`wrote ${target}`);
