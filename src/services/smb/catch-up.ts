import fs from 'node:fs/promises';
import path from 'node:path';
import type { AuditLog } from '../../audit/index.js';
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
  audit: Pick<AuditLog, 'record'>;
}

/** `shares/media/a` → `/media/a`, `homes/alice/a` → `/homes/alice/a` (as an administrator sees it). */
function virtualPath(key: string): string {
  return key.startsWith('shares/') ? `/${key.slice('shares/'.length)}` : `/${key}`;
}

/**
 * Brings ownership and usage up to date after SMB writes, which bypass nasd's ledger: a
 * reconcile whose new entries in shares belong to the user whose Unix account owns them on disk
 * (`nasd-<user>`), not to the share's owner. Runs on the sync's interval. What it finds is
 * audited with protocol `smb`: a new entry as created by the account that owns it, a vanished
 * one as deleted (Samba does not say by whom; a rename shows as a delete and a create).
 */
export class SmbCatchUp {
  constructor(private readonly options: SmbCatchUpOptions) {}

  async run(): Promise<ReconcileReport> {
    const [ids, uids] = await Promise.all([this.options.userIds(), this.options.accountUids()]);
    for (const [username, id] of ids) await this.options.ensureHome({ id, username });
    const created: Array<{ key: string; userId: number; username: string; isDir: boolean; size: number }> = [];
    const vanished: string[] = [];
    const report = await this.options.vfs.reconcile({
      ownerOfNew: async (key) => {
        const st = await fs.lstat(path.join(this.options.storageRoot, key)).catch(() => undefined);
        const username = st && uids.get(st.uid);
        const userId = username === undefined ? undefined : ids.get(username);
        if (st && username !== undefined && userId !== undefined) created.push({ key, userId, username, isDir: st.isDirectory(), size: st.size });
        return userId;
      },
      onVanished: (keys) => vanished.push(...keys),
    });
    for (const c of created) {
      await this.options.audit.record({
        action: c.isDir ? 'file.mkdir' : 'file.create',
        outcome: 'success',
        actor: { id: c.userId, name: c.username },
        protocol: 'smb',
        target: virtualPath(c.key),
        details: c.isDir ? { key: c.key } : { key: c.key, bytes: c.size },
      });
    }
    for (const key of vanished) {
      await this.options.audit.record({ action: 'file.delete', outcome: 'success', actor: null, protocol: 'smb', target: virtualPath(key), details: { key, seenBy: 'catch-up' } });
    }
    return report;
  }
}
