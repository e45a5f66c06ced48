import fsp from 'node:fs/promises';
import path from 'node:path';
import { classifyFsError } from './errors.js';

/** The home folder of one deleted user: who, and when the deletion started. */
export interface HomeRetiree {
  username: string;
  userId: number;
  at: number;
}

/** A home moved aside while its user's deletion commits, by the process doing it. */
export interface StagedHome extends HomeRetiree {
  instanceId: string;
}

const STAGED = /^([^_]+)_(.+)-(\d+)-(\d+)$/;

function folderName(h: HomeRetiree): string {
  return `${h.username}-${h.userId}-${h.at}`;
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException | undefined)?.code ?? '');
}

/**
 * Home folders of deleted users, on the storage filesystem so every move is one rename. A home
 * is first staged in `.nasd/retiring/<instanceId>_<user>-<id>-<ms>` while the database deletion
 * commits, then lands in `.nasd/retired-homes/<user>-<id>-<ms>` (kept for an administrator to
 * recover from disk; nasd never deletes it) or, if the deletion failed, goes back to
 * `homes/<user>`. The staged name says which process staged it, so after a crash another
 * process can tell an abandoned deletion from one in progress (see HomeRetirement.recover).
 */
export class RetiredHomes {
  private readonly staging: string;
  private readonly retired: string;

  constructor(
    private readonly root: string,
    /** The process that stages with this prefix. */
    readonly instanceId: string,
  ) {
    this.staging = path.join(root, '.nasd', 'retiring');
    this.retired = path.join(root, '.nasd', 'retired-homes');
  }

  private home(username: string): string {
    return path.join(this.root, 'homes', username);
  }

  private stagedPath(h: HomeRetiree, instanceId: string): string {
    return path.join(this.staging, `${instanceId}_${folderName(h)}`);
  }

  /** Where a retired home ends up, relative to the storage root (for the audit log and the admin). */
  retiredPath(h: HomeRetiree, suffix = ''): string {
    return path.posix.join('.nasd', 'retired-homes', folderName(h) + suffix);
  }

  /** Moves `homes/<user>` into staging; false when the user never had a home folder. */
  async stage(h: HomeRetiree): Promise<boolean> {
    await fsp.mkdir(this.staging, { recursive: true, mode: 0o750 });
    try {
      await fsp.rename(this.home(h.username), this.stagedPath(h, this.instanceId));
      return true;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw classifyFsError(err, `homes/${h.username}`);
    }
  }

  /** Staging → `.nasd/retired-homes/`; returns the retired folder relative to the storage root. */
  async finish(h: StagedHome): Promise<string> {
    await fsp.mkdir(this.retired, { recursive: true, mode: 0o750 });
    const target = this.retiredPath(h);
    await fsp.rename(this.stagedPath(h, h.instanceId), path.join(this.root, target));
    return target;
  }

  /**
   * Staging → `homes/<user>` (the deletion did not happen). A home folder created meanwhile by a
   * request racing the deletion is replaced when empty, else moved to retired-homes with a
   * `-conflict` suffix first: nothing is lost either way. Returns that conflict folder, if any.
   */
  async restore(h: StagedHome): Promise<string | undefined> {
    const home = this.home(h.username);
    try {
      await fsp.rename(this.stagedPath(h, h.instanceId), home);
      return undefined;
    } catch (err) {
      if (!isErrno(err, 'ENOTEMPTY', 'EEXIST')) throw err;
    }
    const aside = await this.moveAside(h, '-conflict');
    await fsp.rename(this.stagedPath(h, h.instanceId), home);
    return aside;
  }

  /**
   * After a committed deletion: when a request that was already under way recreated
   * `homes/<user>`, that folder goes to retired-homes too (`-late`), so a future user of the same
   * name starts empty. Returns where it went, or undefined when there was none.
   */
  async sweepLate(h: HomeRetiree): Promise<string | undefined> {
    try {
      await fsp.lstat(this.home(h.username));
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
    return this.moveAside(h, '-late');
  }

  private async moveAside(h: HomeRetiree, suffix: string): Promise<string> {
    await fsp.mkdir(this.retired, { recursive: true, mode: 0o750 });
    const target = this.retiredPath(h, suffix);
    await fsp.rename(this.home(h.username), path.join(this.root, target));
    return target;
  }

  /** Every staged home, whoever staged it. */
  async staged(): Promise<StagedHome[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.staging);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    return names.flatMap((name) => {
      const m = STAGED.exec(name);
      return m ? [{ instanceId: m[1], username: m[2], userId: Number(m[3]), at: Number(m[4]) }] : [];
    });
  }
}
