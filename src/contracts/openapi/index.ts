// Public entry point of the OpenAPI breaking-change engine.
export type { Level, SourcePos, SpecFile, SpecBytes, ReadFile, OpenApiChange, DiffOptions, OpenApiDiffResult, IgnoreEntry, SunsetPolicy } from './types.js';
export { SpecParseError } from './types.js';
export { openapiDiff } from './engine.js';
export { ruleLevel, RULES } from './rules.js';
