// --branch-size-warn and --max-branches, shared by `proxy`, `up` and `branch`.
import { parseSize } from '../branch/index.js';
import { UsageError } from './listen-address.js';
import { optionalSetting, type Env } from './settings.js';

export const BRANCH_OPTIONS = {
  'branch-size-warn': { type: 'string' },
  'max-branches': { type: 'string' },
} as const;

export const BRANCH_HELP = `  --branch-size-warn SIZE  log (and flag in branch list) a branch larger than
                           this, e.g. 10GB (pg_size_bytes units)
                                                             PGGIT_BRANCH_SIZE_WARN (off)
  --max-branches N         refuse to create more than N branches besides main
                           per database (SQLSTATE 53400)   PGGIT_MAX_BRANCHES (off)
`;

export interface BranchSettings {
  readonly branchSizeWarnBytes: number | undefined;
  readonly maxBranches: number | undefined;
}

export function branchSettings(values: { 'branch-size-warn'?: string | undefined; 'max-branches'?: string | undefined }, env: Env): BranchSettings {
  const warn = optionalSetting(values['branch-size-warn'], env, ['PGGIT_BRANCH_SIZE_WARN']);
  const branchSizeWarnBytes = warn === undefined ? undefined : parseSize(warn);
  if (warn !== undefined && branchSizeWarnBytes === undefined) {
    throw new UsageError(`--branch-size-warn must be a size such as 500MB or 10GB (units bytes, kB, MB, GB, TB, PB), got "${warn}"`);
  }
  const max = optionalSetting(values['max-branches'], env, ['PGGIT_MAX_BRANCHES']);
  const maxBranches = max === undefined ? undefined : Number(max);
  if (maxBranches !== undefined && (!Number.isInteger(maxBranches) || maxBranches < 0 || max!.trim() === '')) {
    throw new UsageError(`--max-branches must be a whole number, got "${max}"`);
  }
  return { branchSizeWarnBytes, maxBranches };
}
