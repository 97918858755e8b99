// changelog.updated: files in the pack's scope (its pathGlobs; every file when it has
// none) changed but the changelog did not. The waiver label (default `skip-changelog`)
// waives it — said in an INFO finding so the waiver stays visible.
import { z } from 'zod';
import { isChange } from '../../change/changeset.js';
import { makeFinding } from '../findings.js';
import { hasGlobChars, inGlobs } from '../../packs/globs.js';
import type { ComparatorImpl } from './types.js';

export const TYPE = 'changelog.updated';

export const ChangelogConfig = z.strictObject({
  file: z.string().min(1).default('CHANGELOG.md'),
  waiverLabel: z.string().min(1).default('skip-changelog'),
});

export const changelogComparator: ComparatorImpl = {
  type: TYPE,
  configSchema: ChangelogConfig,
  defaultSeverity: 'medium',
  async run(ctx) {
    const config = ChangelogConfig.parse(ctx.comparator.config);
    const changelog = config.file.replace(/^\.?\/+/, '');
    const isChangelog = (p: string) => (hasGlobChars(changelog) ? inGlobs(p, [changelog]) : p === changelog);
    const changed = ctx.files.filter(isChange);
    if (changed.some((f) => isChangelog(f.path))) return [];
    const globs = ctx.pack.pack.pathGlobs;
    const inScope = changed.filter((f) => !isChangelog(f.path) && (!globs?.length || inGlobs(f.path, globs) || (f.previousPath !== undefined && inGlobs(f.previousPath, globs))));
    const f = (d: Parameters<typeof makeFinding>[2]) => makeFinding(ctx.pack, ctx.comparator, d, 'medium');
    const waived = ctx.changes.labels.includes(config.waiverLabel);
    // A truncated file list may hide the changelog or the files in scope: say so rather than pass or block.
    if (ctx.changes.truncated && !waived) {
      return [
        f({
          ruleId: 'changelog-unverified',
          level: 'WARN',
          file: changelog,
          message: `Could not verify: the file list is truncated (GitHub lists at most 3000 files of a pull request), so whether ${changelog} was updated is unknown. Check it by hand, or apply the label "${config.waiverLabel}" if no entry is needed.`,
        }),
      ];
    }
    if (inScope.length === 0) return [];
    const examples = inScope.slice(0, 3).map((f) => f.path).join(', ') + (inScope.length > 3 ? `, … (${inScope.length} files)` : '');
    if (waived) {
      return [
        f({
          ruleId: 'changelog-waived',
          level: 'INFO',
          file: changelog,
          message: `${changelog} was not updated, waived by the label "${config.waiverLabel}" (changed: ${examples}).`,
        }),
      ];
    }
    return [
      f({
        ruleId: 'changelog-not-updated',
        level: 'ERR',
        file: changelog,
        message: `${changelog} was not updated although ${inScope.length === 1 ? 'a file' : `${inScope.length} files`} in this pack's scope changed (${examples}). Add an entry, or apply the label "${config.waiverLabel}" if none is needed.`,
      }),
    ];
  },
};
