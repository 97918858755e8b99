// path.coupling: declarative rules — when files matching `when` change, some file
// matching `require` must change too (pack globs: packs/globs.ts).
import { z } from 'zod';
import { isChange } from '../../change/changeset.js';
import { makeFinding, type Finding } from '../findings.js';
import { inGlobs } from '../../packs/globs.js';
import type { ComparatorImpl } from './types.js';

export const TYPE = 'path.coupling';

const Glob = z.string().min(1, 'a glob may not be empty');

export const CouplingConfig = z.strictObject({
  rules: z
    .array(
      z.strictObject({
        when: z.array(Glob).min(1),
        require: z.array(Glob).min(1),
        message: z.string().min(1).optional(),
      }),
    )
    .min(1),
});

export const couplingComparator: ComparatorImpl = {
  type: TYPE,
  configSchema: CouplingConfig,
  defaultSeverity: 'medium',
  async run(ctx) {
    const config = CouplingConfig.parse(ctx.comparator.config);
    const changed = ctx.files.filter(isChange);
    const paths = (f: (typeof changed)[number]) => (f.previousPath !== undefined ? [f.path, f.previousPath] : [f.path]);
    const out: Finding[] = [];
    const unverified: number[] = [];
    config.rules.forEach((rule, i) => {
      const triggers = changed.filter((f) => paths(f).some((p) => inGlobs(p, rule.when)));
      if (changed.some((f) => paths(f).some((p) => inGlobs(p, rule.require)))) return;
      // A truncated file list may hide a trigger or the required change: neither a pass nor a block.
      if (ctx.changes.truncated) {
        unverified.push(i + 1);
        return;
      }
      if (triggers.length === 0) return;
      const shown = triggers.slice(0, 3).map((f) => f.path).join(', ') + (triggers.length > 3 ? `, … (${triggers.length} files)` : '');
      const why = rule.message ?? `Changes to ${rule.when.join(', ')} require a change to ${rule.require.join(' or ')}.`;
      out.push(
        makeFinding(
          ctx.pack,
          ctx.comparator,
          {
            ruleId: `path-coupling-${i + 1}`,
            level: 'ERR',
            file: triggers[0]!.path,
            message: `${why} Changed: ${shown}; nothing matching ${rule.require.join(', ')} changed.`,
          },
          'medium',
        ),
      );
    });
    if (unverified.length > 0) {
      const which = unverified.length === config.rules.length ? 'its rules' : `rule${unverified.length === 1 ? '' : 's'} ${unverified.join(', ')}`;
      out.push(
        makeFinding(
          ctx.pack,
          ctx.comparator,
          {
            ruleId: 'path-coupling-unverified',
            level: 'WARN',
            message: `Could not verify ${which}: the file list is truncated (GitHub lists at most 3000 files of a pull request), so a required change may be among the files not listed. Check by hand.`,
          },
          'medium',
        ),
      );
    }
    return out;
  },
};
