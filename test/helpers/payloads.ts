// Real webhook payloads from @octokit/webhooks-examples, picked by event and action.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const catalogue = require('@octokit/webhooks-examples/api.github.com/index.json') as Array<{
  name: string;
  examples: Array<Record<string, any>>;
}>;

/** A deep copy of the first real example of `event` with `action`, so a test may edit it. */
export function examplePayload(event: string, action?: string, nth = 0): Record<string, any> {
  const examples = catalogue.find((e) => e.name === event)?.examples ?? [];
  const matching = action === undefined ? examples : examples.filter((e) => e.action === action);
  const example = matching[nth];
  if (!example) throw new Error(`no example payload for ${event}${action ? `.${action}` : ''} #${nth}`);
  return structuredClone(example);
}
