// The yaml package, loaded the first time a YAML document is read rather than when the engine
// is imported: big specs are mostly JSON, and loading the package is about 0.1 s of CPU at
// the start of every `pj diff` (the package is CommonJS, so this is the same instance an
// `import` would give).
import { createRequire } from 'node:module';

type YamlPackage = typeof import('yaml');

let loaded: YamlPackage | undefined;

export function yamlPackage(): YamlPackage {
  return (loaded ??= createRequire(import.meta.url)('yaml') as YamlPackage);
}
