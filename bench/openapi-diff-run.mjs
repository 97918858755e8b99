// Child process of bench/openapi-diff.mjs, so that wall time and peak RSS are those of one
// `pj diff` run. `node bench/openapi-diff-run.mjs BASE HEAD [pj diff options]` runs our engine
// through runDiff (as src/cli.ts would); `--baseline BASE HEAD` runs the openapi-diff package.
import { readFile } from 'node:fs/promises';

const args = process.argv.slice(2);

if (args[0] === '--baseline') {
  const { default: openapiDiff } = await import('openapi-diff');
  const [basePath, headPath] = args.slice(1);
  const spec = async (path) => ({ content: await readFile(path, 'utf8'), location: path, format: 'openapi3' });
  const outcome = await openapiDiff.diffSpecs({ sourceSpec: await spec(basePath), destinationSpec: await spec(headPath) });
  process.stdout.write(JSON.stringify({
    breaking: outcome.breakingDifferencesFound ? outcome.breakingDifferences.length : 0,
    nonBreaking: outcome.nonBreakingDifferences.length,
    unclassified: outcome.unclassifiedDifferences.length,
  }) + '\n');
} else {
  const { runDiff } = await import('../dist/src/cli/diff.js');
  process.exitCode = await runDiff(args, {
    out: (text) => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    cwd: process.cwd(),
  });
}
