// The governance area's public surface.
export * from './action.js';
export * from './audit.js';
export * from './canonical.js';
export * from './judge.js';
export * from './metrics.js';
export * from './octokit.js';
export * from './payloads.js';
export * from './pipeline.js';
export * from './policy-provider.js';
export * from './registry.js';
export * from './retry.js';
export * from './store.js';
export * from './dispatchers/index.js';
