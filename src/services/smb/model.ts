import type { Knex } from 'knex';
import type { ShareAccess, VfsService } from '../../vfs/index.js';

/** One nasd user as the SMB configuration needs them. */
export interface SmbUserFacts {
  id: number;
  username: string;
  isAdmin: boolean;
  disabled: boolean;
  totpEnabled: boolean;
  quotaBytes: number | null;
  usedBytes: number;
}

/** One nasd share with who may read and who may write it (owner and admins included). */
export interface SmbShareFacts {
  id: number;
  name: string;
  description: string;
  browseable: boolean;
  recycleBin: boolean;
  timeMachine: boolean;
  sizeLimitBytes: number | null;
  readers: string[];
  writers: string[];
}

/** Everything the generated Samba configuration is derived from. */
export interface SmbModel {
  users: SmbUserFacts[];
  shares: SmbShareFacts[];
}

/**
 * Reads users, shares, ACLs and usage in one pass. Access follows the VFS's rule: admins and the
 * share owner have full access, everybody else their ACL entry (absent = none).
 */
export async function loadSmbModel(knex: Knex, vfs: Pick<VfsService, 'usageReports'>): Promise<SmbModel> {
  const userRows: Array<{ id: number; username: string; role: string; disabled: boolean | number; totp_enabled: boolean | number; quota_bytes: number | string | null }> = await knex('users')
    .select('id', 'username', 'role', 'disabled', 'totp_enabled', 'quota_bytes')
    .orderBy('username');
  const usage = new Map((await vfs.usageReports()).map((u) => [u.username, u.usedBytes]));
  const users: SmbUserFacts[] = userRows.map((r) => ({
    id: Number(r.id),
    username: r.username,
    isAdmin: r.role === 'admin',
    disabled: Boolean(r.disabled),
    totpEnabled: Boolean(r.totp_enabled),
    quotaBytes: r.quota_bytes === null ? null : Number(r.quota_bytes),
    usedBytes: usage.get(r.username) ?? 0,
  }));
  const shareRows: Array<Record<string, unknown>> = await knex('shares').orderBy('name');
  const aclRows: Array<{ share_id: number; user_id: number; access: ShareAccess }> = await knex('share_acl').select('share_id', 'user_id', 'access');
  const shares = shareRows.map((s): SmbShareFacts => {
    const id = Number(s.id);
    const ownerId = Number(s.owner_id);
    const acl = new Map(aclRows.filter((a) => Number(a.share_id) === id).map((a) => [Number(a.user_id), a.access]));
    const readers: string[] = [];
    const writers: string[] = [];
    for (const u of users) {
      const access: ShareAccess = u.isAdmin || u.id === ownerId ? 'full' : (acl.get(u.id) ?? 'none');
      if (access === 'none') continue;
      readers.push(u.username);
      if (access !== 'read') writers.push(u.username);
    }
    return {
      id,
      name: String(s.name),
      description: String(s.description ?? ''),
      browseable: Boolean(s.browseable),
      recycleBin: Boolean(s.recycle_bin),
      timeMachine: Boolean(s.time_machine),
      sizeLimitBytes: s.size_limit_bytes === null || s.size_limit_bytes === undefined ? null : Number(s.size_limit_bytes),
      readers,
      writers,
    };
  });
  return { users, shares };
}
