import type { Knex } from 'knex';
import type { Logger } from '../lib/log.js';
import { UploadParts } from './backends/upload-parts.js';
import type { HomeRetiree, RetiredHomes, StagedHome } from './backends/retired-homes.js';
import { auditFile, type VfsCore } from './core.js';
import { dropHomeRows, dropUserRows, reassignElsewhere, transferShares, type Reassignment } from './retire-rows.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

export type { Reassignment } from './retire-rows.js';

/** A deletion in progress: prepared inside the deleting transaction, then completed or aborted. */
export interface PendingRetirement {
  readonly home: StagedHome;
  /** Whether a home folder existed and was staged. */
  readonly staged: boolean;
  /** Where the home will be kept, relative to the storage root (null: there was no home folder). */
  readonly retiredTo: string | null;
  readonly transferredShares: string[];
  readonly reassigned: Reassignment[];
  readonly uploadIds: string[];
}

export interface RetireOptions {
  /** Hand the user's shares to this user; without it, owning a share is a CONFLICT. */
  transferSharesTo?: number;
}

/**
 * The storage side of deleting a user. `prepare` runs inside the transaction that deletes the
 * user row: it transfers or refuses their shares, gives files they own in shares to each
 * share's owner (with the usage), drops every storage row of theirs (home records, usage,
 * reservations, ACL entries, tus sessions, WebDAV locks) and, last, stages the home folder out of `homes/`.
 * After the commit `complete` moves it to `.nasd/retired-homes/`; if the transaction failed,
 * `abort` puts it back. A crash in between is repaired by `recover` (run by every process's
 * reclaim): a staged home of a dead process goes back when its user still exists, else on to
 * retired-homes. So a live user never stays without their home, and a deleted user's files never
 * stay at `homes/<name>` for a new account of that name.
 */
export class HomeRetirement {
  /** Staged homes whose deletion this process is running (recover leaves them alone). */
  private readonly inFlight = new Set<string>();
  private readonly parts: UploadParts;

  constructor(
    private readonly core: VfsCore,
    private readonly disk: RetiredHomes,
    private readonly logger?: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.parts = new UploadParts(core.backend.root);
  }

  /**
   * Inside the deleting transaction (before the user row goes): CONFLICT while the user owns
   * shares and no `transferSharesTo` is given, VALIDATION for a bad recipient; the home folder is
   * staged last, so any refusal leaves the disk as it was. The caller must then call `complete`
   * after the commit, or `abort` when the transaction failed.
   */
  async prepare(trx: Knex.Transaction, actor: RequestActor<Principal>, user: { id: number; username: string }, options: RetireOptions = {}): Promise<PendingRetirement> {
    const homeArea = `homes/${user.username}`;
    const at = this.now();
    const transferredShares = await transferShares(this.core, trx, actor, user.id, options.transferSharesTo, at);
    const reassigned = await reassignElsewhere(this.core, trx, actor, user.id, homeArea);
    const own = await dropHomeRows(this.core, trx, user.id, homeArea);
    const uploadIds = await dropUserRows(trx, user.id);
    // WebDAV locks: theirs anywhere (they would block others until expiry), and any in their home.
    await this.core.locks.removeHeldBy(user.id, trx);
    await this.core.locks.removeWithin(homeArea, trx);
    const home: StagedHome = { username: user.username, userId: user.id, at, instanceId: this.disk.instanceId };
    const retiredTo = (await this.core.backend.tryStat(homeArea)) ? this.disk.retiredPath(home) : null;
    await auditFile(this.core, actor, 'home.retire', `/homes/${user.username}`, { userId: user.id, retiredTo, ...own, uploadsCancelled: uploadIds.length }, trx);
    // Last, so that every refusal above leaves the disk untouched.
    const key = stagedKey(home);
    this.inFlight.add(key);
    try {
      const staged = await this.disk.stage(home);
      this.core.backend.forgetArea(homeArea);
      return { home, staged, retiredTo: staged ? retiredTo : null, transferredShares, reassigned, uploadIds };
    } catch (err) {
      this.inFlight.delete(key);
      throw err;
    }
  }

  /**
   * After the commit: the staged home goes to retired-homes, a home folder recreated by a racing
   * request follows it, and the tus part files of cancelled uploads are deleted. Failures are
   * logged, not thrown (the user is gone already); recover finishes the move later.
   */
  async complete(p: PendingRetirement): Promise<void> {
    try {
      for (const id of p.uploadIds) await this.parts.remove(id);
      await this.retire(p.home, p.staged);
    } catch (err) {
      this.logger?.error({ err, user: p.home.username }, 'storage: finishing a home retirement failed; it is retried by the next reclaim');
    } finally {
      this.inFlight.delete(stagedKey(p.home));
    }
  }

  private async retire(home: StagedHome, staged: boolean): Promise<void> {
    if (staged) await this.disk.finish(home);
    // A new account of the same name may exist by now (recovery after a crash): its home is its own.
    if (await this.core.knex('users').select('id').where('username', home.username).first()) return;
    const late = await this.disk.sweepLate(home);
    this.core.backend.forgetArea(`homes/${home.username}`);
    if (late) {
      await this.core.knex('file_owners').where('area', `homes/${home.username}`).delete();
      this.logger?.warn({ user: home.username, movedTo: late }, 'storage: a home folder recreated during the deletion was retired too');
    }
  }

  /** The deletion failed: the staged home goes back to `homes/<name>` (recover retries on failure). */
  async abort(p: PendingRetirement): Promise<void> {
    try {
      if (p.staged) await this.restore(p.home);
    } catch (err) {
      this.logger?.error({ err, user: p.home.username }, 'storage: putting a home back failed; it is retried by the next reclaim');
    } finally {
      this.inFlight.delete(stagedKey(p.home));
    }
  }

  private async restore(home: StagedHome): Promise<void> {
    const aside = await this.disk.restore(home);
    if (aside) this.logger?.warn({ user: home.username, movedTo: aside }, 'storage: a home folder created during a failed deletion was kept aside');
  }

  /**
   * Finishes deletions abandoned by a crash. The staging folder is listed BEFORE asking who is
   * alive (as for temp files): a process that stages meanwhile registered first, so it is live.
   * Staged homes of live processes (and this process's own in-flight ones) are left alone.
   */
  async recover(liveIds: () => Promise<Set<string>>): Promise<{ restored: number; retired: number }> {
    const staged = await this.disk.staged();
    if (staged.length === 0) return { restored: 0, retired: 0 };
    const live = await liveIds();
    const result = { restored: 0, retired: 0 };
    for (const home of staged) {
      if (this.inFlight.has(stagedKey(home)) || (home.instanceId !== this.disk.instanceId && live.has(home.instanceId))) continue;
      try {
        const user = await this.core.knex('users').select('id').where({ id: home.userId, username: home.username }).first();
        if (user) {
          await this.restore(home);
          result.restored += 1;
        } else {
          await this.retire(home, true);
          result.retired += 1;
        }
      } catch (err) {
        // Gone from staging: another process (or this one's complete) handled it meanwhile.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.logger?.error({ err, user: home.username }, 'storage: finishing an interrupted user deletion failed; retried by the next reclaim');
      }
    }
    return result;
  }
}

function stagedKey(h: HomeRetiree & { instanceId: string }): string {
  return `${h.instanceId}_${h.username}-${h.userId}-${h.at}`;
}
