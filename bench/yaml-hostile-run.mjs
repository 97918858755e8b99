// Child process of bench/yaml-hostile.mjs. `diff BASE HEAD [options]` runs `pj diff`
// (runDiff, as src/cli.ts would); `pack FILE` validates one pack file and prints its errors
// as `file:line:col message`, exit 1 when there are any.
import { readFile } from 'node:fs/promises';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'pack') {
  const { validatePackFile } = await import('../dist/src/packs/validate.js');
  const { driftTypeConfigSchemas } = await import('../dist/src/drift/types.js');
  const text = await readFile(args[0], 'utf8');
  const loaded = validatePackFile(args[0], text, { comparators: new Map(), driftTypes: driftTypeConfigSchemas });
  if (loaded.valid) {
    process.stdout.write('valid\n');
  } else {
    for (const error of loaded.errors) process.stdout.write(`${error.file}:${error.line}:${error.column} ${error.message}\n`);
    process.exitCode = 1;
  }
} else {
  const { runDiff } = await import('../dist/src/cli/diff.js');
  process.exitCode = await runDiff(args, {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    cwd: process.cwd(),
  });
}
