/**
 * nasd's own working folders in the storage root, left out of every version: temp files and tus
 * parts are half-written, `retiring` is a home mid-deletion (it lands in `.nasd/retired-homes`,
 * which is kept), and SMB recycle bins hold files users deleted. Anchored at the transfer root,
 * which `--relative` keeps equal to the storage root.
 */
export const EXCLUDED = ['/.nasd/tmp/', '/.nasd/uploads/', '/.nasd/retiring/', '/shares/*/.recycle/'];

export interface RsyncPlan {
  storageRoot: string;
  /** Relative to the storage root (`homes`, `shares/photos`); empty = all of it. */
  sources: readonly string[];
  /** The folder this run fills (absolute). */
  destination: string;
  /** The previous complete version (absolute): unchanged files become hard links into it. */
  linkDest: string | null;
}

/**
 * rsync's argument list. Every path is absolute, so none can start with a dash, and `/./` marks
 * where `--relative` starts the path kept in the version (`shares/photos/…`). No `--delete`: the
 * destination is always a fresh folder.
 */
export function rsyncArgs(plan: RsyncPlan): string[] {
  const from = plan.sources.length === 0 ? [''] : plan.sources;
  return [
    '--archive',
    '--numeric-ids',
    '--relative',
    '--stats',
    ...EXCLUDED.map((pattern) => `--exclude=${pattern}`),
    ...(plan.linkDest ? [`--link-dest=${plan.linkDest}`] : []),
    '--',
    ...from.map((s) => `${plan.storageRoot}/./${s}`),
    `${plan.destination}/`,
  ];
}

/** The part of `--stats` the run's report keeps. */
export interface RsyncStats {
  /** Files, folders and links in the version. */
  files: number;
  /** Regular files copied (changed or new); the rest are hard links to the previous version. */
  filesTransferred: number;
  /** Size of all regular files in the version. */
  totalBytes: number;
  /** Size of the files copied. */
  bytesTransferred: number;
}

/** Reads rsync's `--stats` summary (LC_ALL=C; numbers may carry thousands separators). */
export function parseRsyncStats(stdout: string): RsyncStats {
  const field = (label: string): number => {
    const m = new RegExp(`^${label}: ([\\d,]+)`, 'm').exec(stdout);
    if (!m) throw new Error(`rsync printed no "${label}" line`);
    return Number(m[1].replace(/,/g, ''));
  };
  return {
    files: field('Number of files'),
    filesTransferred: field('Number of regular files transferred'),
    totalBytes: field('Total file size'),
    bytesTransferred: field('Total transferred file size'),
  };
}

const EXIT_MEANINGS: Record<number, string> = {
  1: 'syntax or usage error',
  3: 'cannot use a source or the destination',
  11: 'file I/O error (is the target disk full or read-only?)',
  12: 'error in the data stream',
  20: 'stopped by a signal',
  23: 'some files or attributes were not transferred',
  30: 'timeout',
};

/** One line for the history: the exit code, what it means, and the end of rsync's stderr. */
export function describeRsyncFailure(exitCode: number, stderr: string): string {
  const tail = stderr.trim().split('\n').slice(-5).join(' | ').slice(-1500);
  const meaning = EXIT_MEANINGS[exitCode] ? ` (${EXIT_MEANINGS[exitCode]})` : '';
  return `rsync exited with code ${exitCode}${meaning}${tail ? `: ${tail}` : ''}`;
}
