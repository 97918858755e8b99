// What the contracts check says when no config could be read: a config repo the App
// cannot see (not installed on it, or no such repo) or one without the packs folder.
// Never the green "No policy pack applies" of a config that says nothing applies. Pure.
import type { MissingConfig } from '../packs/types.js';

export interface MissingConfigVerdict {
  status: 'completed';
  conclusion: 'neutral' | 'failure';
  title: string;
  explanation: string;
}

export function missingConfigVerdict(missing: MissingConfig & { required: boolean }): MissingConfigVerdict {
  const title = missing.folder
    ? `No \`${missing.folder}\` folder in the config repo \`${missing.repo}\``
    : `No readable config repo \`${missing.repo}\`: install the App on it`;
  const what = missing.folder
    ? `The config repo \`${missing.repo}\` has no \`${missing.folder}\` folder, so no policy pack governs this pull request.`
    : `The config repo \`${missing.repo}\` could not be read (${missing.reason}), so no policy pack governs this pull request. Install the App on that repository (or set PJ_CONFIG_REPO to the repo that holds the packs).`;
  const then = missing.required
    ? 'PJ_REQUIRE_CONFIG is set: without a readable config this check fails.'
    : 'Set PJ_REQUIRE_CONFIG=1 to fail this check while the config cannot be read.';
  return { status: 'completed', conclusion: missing.required ? 'failure' : 'neutral', title, explanation: `${what} ${then}` };
}
