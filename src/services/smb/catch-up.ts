import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReconcileReport, VfsService } from '../../vfs/index.js';

export interface SmbCatchUpOptions {
  vfs: Pick<VfsService, 'reconcile'>;
  storageRoot: string;
  /** nasd user ids by username (read fresh on each run). */
  userIds(): Promise<Map<string, number>>;
  /** nasd usernames by the uid of their `nasd-<user>` Unix account. */
  accountUids(): Promise<Map<number, string>>;
  /** Creates a user's home folder if missing (nasd creates homes on first use; Samba cannot). */
  ensureHome(user: { id: number; username: string }): Promise<unknown>;
}

/**
 * Brings ownership and usage up to date after SMB writes, which bypass nasd's ledger: a
 * reconcile whose new entries in shares belong to the user whose Unix account owns them on disk
 * (`nasd-<user>`), not to the share's owner. Runs on the sync's interval. It audits nothing:
 * Samba's own record of each operation does (`SmbAuditReader`), which tells a rename from a
 * delete and a create, and who deleted.
 */
export class SmbCatchUp {
  constructor(private readonly options: SmbCatchUpOptions) {}

  async run(): Promise<ReconcileReport> {
    const [ids, uids] = await Promise.all([this.options.userIds(), this.options.accountUids()]);
    for (const [username, id] of ids) await this.options.ensureHome({ id, username });
    return this.options.vfs.reconcile({
      ownerOfNew: async (key) => {
        const st = await fs.lstat(path.join(this.options.storageRoot, key)).catch(() => undefined);
        const username = st && uids.get(st.uid);
        return username === undefined ? undefined : ids.get(username);
      },
    });
  }
}
