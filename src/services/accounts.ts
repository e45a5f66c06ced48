import type { Principal, RequestActor } from '../lib/request-actor.js';
import type { PendingRetirement, Reassignment, RetireOptions, HomeRetirement } from '../vfs/index.js';
import type { UsersService } from './identity/index.js';

/** What became of a deleted user's storage. */
export interface DeletionReport {
  /** Where the home folder was kept, relative to the storage root (null: the user had none). */
  retiredTo: string | null;
  /** Shares handed to `transferSharesTo`. */
  transferredShares: string[];
  /** Files they owned in shares, now the share owners'. */
  reassigned: Reassignment[];
}

/**
 * Account lifecycle across identity and storage. Identity must not know the VFS and the VFS must
 * not know identity, so deleting a user is composed here: identity's transaction runs the VFS's
 * storage cleanup before the user row goes (refusing share owners unless their shares are
 * transferred), the home folder is staged out of `homes/` last, then retired after the commit or
 * put back if the transaction failed. See HomeRetirement for the crash cases.
 */
export class Accounts {
  constructor(
    private readonly users: UsersService,
    private readonly retirement: HomeRetirement,
  ) {}

  /**
   * Deletes a user: NOT_FOUND, CONFLICT (last administrator; owns shares and no
   * `transferSharesTo`), VALIDATION (bad `transferSharesTo`) change nothing.
   */
  async remove(id: number, actor: RequestActor<Principal>, options: RetireOptions = {}): Promise<DeletionReport> {
    const state: { pending?: PendingRetirement } = {};
    try {
      await this.users.remove(id, actor, async (trx, user) => {
        state.pending = await this.retirement.prepare(trx, actor, user, options);
      });
    } catch (err) {
      if (state.pending) await this.retirement.abort(state.pending);
      throw err;
    }
    const pending = state.pending as PendingRetirement;
    await this.retirement.complete(pending);
    return { retiredTo: pending.retiredTo, transferredShares: pending.transferredShares, reassigned: pending.reassigned };
  }
}
