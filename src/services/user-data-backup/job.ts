import fsp from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../lib/errors.js';
import type { CommandRunner } from '../../lib/exec.js';
import type { Logger } from '../../lib/log.js';
import { isWithin } from '../../lib/path-within.js';
import type { AlertReporter } from '../alerts/index.js';
import { describeRsyncFailure, parseRsyncStats, rsyncArgs, type RsyncStats } from './rsync.js';
import { newVersionName, partialName, pruneVersions, readVersions } from './versions.js';

/** The alert a failed run opens (key: the target) and the next successful run clears. */
export const BACKUP_FAILED_RULE = 'backup.failed';

/** rsync's "some source files vanished": files deleted while the copy ran, normal on a live NAS. */
const VANISHED = 24;

export interface UserDataBackupOptions {
  storageRoot: string;
  /** Absolute; must exist (an unmounted disk fails the run instead of filling the system disk). */
  target: string;
  keep: number;
  /** Relative to the storage root; empty = all of it. */
  sources: readonly string[];
  run: CommandRunner;
  alerts: Pick<AlertReporter, 'raise' | 'clear'>;
  logger: Logger;
  rsync?: string;
  now?: () => Date;
}

/** What one successful run did (stored with its execution in the scheduler history). */
export interface UserDataBackupReport extends RsyncStats {
  version: string;
  target: string;
  /** The version unchanged files were hard-linked to; null for the first. */
  linkedTo: string | null;
  /** Whether some files vanished while they were being copied (they are missing from this version). */
  filesVanished: boolean;
  /** `.partial` folders of earlier, interrupted runs that were deleted. */
  removedPartial: string[];
  pruned: string[];
  durationMs: number;
}

/**
 * The `backup.user-data` job: copies the storage (or the configured homes and shares) into a new
 * dated folder of the target with rsync, hard-linking files unchanged since the previous version,
 * so every version is a complete plain folder and costs only what changed. The folder is named
 * `<version>.partial` until rsync succeeds, so a cut run never looks like a version.
 */
export class UserDataBackup {
  constructor(private readonly options: UserDataBackupOptions) {}

  /** One run; throws with a message for the history (and opens `backup.failed`) when it fails. */
  async run(signal: AbortSignal): Promise<UserDataBackupReport> {
    const { alerts, target, logger } = this.options;
    try {
      const report = await this.backUp(signal);
      await alerts.clear(BACKUP_FAILED_RULE, target).catch((err: unknown) => logger.warn({ err }, 'backup: cannot clear its alert'));
      return report;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await alerts.raise(BACKUP_FAILED_RULE, target, { error: message }).catch((e: unknown) => logger.warn({ err: e }, 'backup: cannot raise its alert'));
      throw err;
    }
  }

  private async backUp(signal: AbortSignal): Promise<UserDataBackupReport> {
    const { target, storageRoot } = this.options;
    const started = Date.now();
    await this.checkTarget();
    const { complete, partial } = await readVersions(target);
    for (const name of partial) await fsp.rm(path.join(target, name), { recursive: true, force: true });
    const previous = complete.at(-1) ?? null;
    const version = newVersionName((this.options.now ?? (() => new Date()))(), new Set(complete));
    const destination = path.join(target, partialName(version));
    await fsp.mkdir(destination, { mode: 0o700 }).catch((err: unknown) => {
      throw new AppError('FORBIDDEN', `cannot write into backup target ${target}: ${(err as Error).message}`);
    });
    const args = rsyncArgs({ storageRoot, sources: this.options.sources, destination, linkDest: previous && path.join(target, previous) });
    const result = await this.options.run(this.options.rsync ?? 'rsync', args, { timeoutMs: 0, signal, stderrTail: true, maxStdoutBytes: 1024 * 1024 });
    if (result.exitCode !== 0 && result.exitCode !== VANISHED) throw new AppError('INTERNAL', describeRsyncFailure(result.exitCode, result.stderr));
    const stats = parseRsyncStats(result.stdout);
    await fsp.rename(destination, path.join(target, version));
    const pruned = await pruneVersions(target, [...complete, version], this.options.keep, version);
    return {
      version,
      target,
      linkedTo: previous,
      ...stats,
      filesVanished: result.exitCode === VANISHED,
      removedPartial: partial,
      pruned,
      durationMs: Date.now() - started,
    };
  }

  /** The target exists, is a directory, and (symlinks resolved) lies outside the storage root. */
  private async checkTarget(): Promise<void> {
    const { target, storageRoot } = this.options;
    let stat;
    try {
      stat = await fsp.stat(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOT_FOUND', `backup target ${target} does not exist (is its disk mounted?); nasd never creates it`);
      throw new AppError('INTERNAL', `cannot read backup target ${target}: ${(err as Error).message}`);
    }
    if (!stat.isDirectory()) throw new AppError('NOT_A_DIRECTORY', `backup target ${target} is not a directory`);
    const [realTarget, realRoot] = await Promise.all([fsp.realpath(target), fsp.realpath(storageRoot)]);
    if (isWithin(realRoot, realTarget)) throw new AppError('VALIDATION', `backup target ${target} resolves to ${realTarget}, inside the storage root ${realRoot}`);
  }
}
