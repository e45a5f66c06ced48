import { VfsError } from '../lib/errors.js';
import { auditFile, type VfsCore } from './core.js';
import type { Share, ShareAccess } from './directory.js';
import { effectiveAccess, RESERVED_ROOT_NAMES } from './namespace.js';
import { validateName } from './path.js';
import { windowsNameProblem } from './windows-names.js';
import type { Principal, RequestActor } from '../lib/request-actor.js';

/** Share names: lower-case letters, digits, dot, underscore, dash; must start with a letter or digit. */
export const SHARE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface ShareInput {
  name: string;
  description?: string;
  ownerId?: number;
  sizeLimitBytes?: number | null;
  browseable?: boolean;
  recycleBin?: boolean;
  timeMachine?: boolean;
}

export type SharePatch = Partial<Omit<ShareInput, 'name'>>;

export interface AclEntry {
  userId: number;
  username: string;
  access: ShareAccess;
}

/** A share with its usage, as the API shows it. */
export interface ShareView extends Share {
  usedBytes: number;
  files: number;
  /** The caller's effective access. */
  access: ShareAccess;
}

/**
 * Share administration: create (with its folder), update, delete (refused while it holds files
 * unless forced), and the per-user ACL. Every change is audited. Reads are filtered to the
 * shares the caller may see.
 */
export class ShareService {
  constructor(private readonly core: VfsCore, private readonly now: () => number = Date.now) {}

  private async view(share: Share, principal: Principal, acl?: ShareAccess): Promise<ShareView> {
    const usage = await this.core.ledger.usage('share', share.id);
    const own = acl ?? (principal.isAdmin ? 'full' : await this.core.dir.accessOf(share.id, principal.userId));
    return { ...share, usedBytes: usage.bytes, files: usage.files, access: effectiveAccess(share, principal, own) };
  }

  /** Admins see every share; users those they can read. */
  async list(principal: Principal): Promise<ShareView[]> {
    const acl = principal.isAdmin ? new Map<number, ShareAccess>() : await this.core.dir.accessMap(principal.userId);
    const out: ShareView[] = [];
    for (const share of await this.core.dir.shares()) {
      const access = effectiveAccess(share, principal, acl.get(share.id) ?? 'none');
      if (access !== 'none') out.push(await this.view(share, principal, access));
    }
    return out;
  }

  /** Every share, unfiltered, for system jobs (the SMB recycle-bin cleanup). */
  all(): Promise<Share[]> {
    return this.core.dir.shares();
  }

  /** One share; NOT_FOUND when absent or invisible to the caller. */
  async get(principal: Principal, id: number): Promise<ShareView> {
    const share = await this.core.dir.shareById(id);
    const v = share && (await this.view(share, principal));
    if (!v || v.access === 'none') throw new VfsError('NOT_FOUND', `no share with id ${id}`);
    return v;
  }

  async create(actor: RequestActor<Principal>, input: ShareInput): Promise<ShareView> {
    if (!SHARE_NAME.test(input.name)) throw new VfsError('VALIDATION', 'a share name is 1-64 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit');
    validateName(input.name);
    const windowsProblem = windowsNameProblem(input.name);
    if (windowsProblem) throw new VfsError('VALIDATION', `a share name must work on Windows: ${windowsProblem}`);
    if (RESERVED_ROOT_NAMES.has(input.name)) throw new VfsError('VALIDATION', `"${input.name}" is reserved for home folders`);
    if (await this.core.dir.shareByName(input.name)) throw new VfsError('ALREADY_EXISTS', `a share named ${input.name} already exists`);
    const ownerId = input.ownerId ?? actor.principal.userId;
    if (!(await this.core.dir.userById(ownerId))) throw new VfsError('VALIDATION', `no user with id ${ownerId} can own the share`);
    const now = this.now();
    const id = await this.core.knex.transaction(async (trx) => {
      const [row] = await trx('shares')
        .insert({
          name: input.name,
          description: input.description ?? '',
          owner_id: ownerId,
          size_limit_bytes: input.sizeLimitBytes ?? null,
          browseable: input.browseable ?? true,
          recycle_bin: input.recycleBin ?? false,
          time_machine: input.timeMachine ?? false,
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const newId = Number(typeof row === 'object' ? row.id : row);
      await this.core.backend.mkdir(`shares/${input.name}`, { recursive: true });
      await auditFile(this.core, actor, 'share.create', `/${input.name}`, { shareId: newId }, trx);
      return newId;
    });
    return this.get(actor.principal, id);
  }

  async update(actor: RequestActor<Principal>, id: number, patch: SharePatch): Promise<ShareView> {
    const share = await this.core.dir.shareById(id);
    if (!share) throw new VfsError('NOT_FOUND', `no share with id ${id}`);
    if (patch.ownerId !== undefined && !(await this.core.dir.userById(patch.ownerId))) {
      throw new VfsError('VALIDATION', `no user with id ${patch.ownerId} can own the share`);
    }
    const row: Record<string, unknown> = { updated_at: this.now() };
    if (patch.description !== undefined) row.description = patch.description;
    if (patch.ownerId !== undefined) row.owner_id = patch.ownerId;
    if (patch.sizeLimitBytes !== undefined) row.size_limit_bytes = patch.sizeLimitBytes;
    if (patch.browseable !== undefined) row.browseable = patch.browseable;
    if (patch.recycleBin !== undefined) row.recycle_bin = patch.recycleBin;
    if (patch.timeMachine !== undefined) row.time_machine = patch.timeMachine;
    await this.core.knex.transaction(async (trx) => {
      await trx('shares').where('id', id).update(row);
      await auditFile(this.core, actor, 'share.update', `/${share.name}`, { shareId: id, changes: Object.keys(patch) }, trx);
    });
    return this.get(actor.principal, id);
  }

  /** Deletes a share. While it holds files this is refused (CONFLICT) unless `deleteData`. */
  async remove(actor: RequestActor<Principal>, id: number, deleteData: boolean): Promise<void> {
    const share = await this.core.dir.shareById(id);
    if (!share) throw new VfsError('NOT_FOUND', `no share with id ${id}`);
    const key = `shares/${share.name}`;
    const entries = (await this.core.backend.tryStat(key)) ? await this.core.backend.list(key) : [];
    if (entries.length > 0 && !deleteData) throw new VfsError('CONFLICT', `share ${share.name} is not empty; pass deleteData=true to delete its files too`);
    const recs = await this.core.owners.subtree(key);
    await this.core.knex.transaction(async (trx) => {
      const perOwner = new Map<number, { bytes: number; files: number }>();
      for (const r of recs) {
        if (r.isDir) continue;
        const t = perOwner.get(r.ownerId) ?? { bytes: 0, files: 0 };
        perOwner.set(r.ownerId, { bytes: t.bytes + r.size, files: t.files + 1 });
      }
      await this.core.ledger.applyUsage(trx, [...perOwner].map(([subjectId, t]) => ({ scope: 'user' as const, subjectId, bytes: -t.bytes, files: -t.files })));
      await this.core.owners.deleteSubtree(trx, key);
      await this.core.props.deleteSubtree(trx, key);
      await trx('storage_usage').where({ scope: 'share', subject_id: id }).delete();
      await trx('quota_reservations').where('share_id', id).delete();
      await trx('share_acl').where('share_id', id).delete();
      await trx('shares').where('id', id).delete();
      if (await this.core.backend.tryStat(key)) await this.core.backend.remove(key);
      await auditFile(this.core, actor, 'share.delete', `/${share.name}`, { shareId: id, deletedBytes: [...perOwner.values()].reduce((n, t) => n + t.bytes, 0) }, trx);
    });
  }

  async acl(id: number): Promise<AclEntry[]> {
    if (!(await this.core.dir.shareById(id))) throw new VfsError('NOT_FOUND', `no share with id ${id}`);
    const rows: Array<{ user_id: number; username: string; access: ShareAccess }> = await this.core
      .knex('share_acl')
      .join('users', 'users.id', 'share_acl.user_id')
      .select('share_acl.user_id', 'users.username', 'share_acl.access')
      .where('share_acl.share_id', id)
      .orderBy('users.username');
    return rows.map((r) => ({ userId: Number(r.user_id), username: r.username, access: r.access }));
  }

  /** Replaces the whole ACL (entries with access `none` are stored, to document a refusal). */
  async setAcl(actor: RequestActor<Principal>, id: number, entries: Array<{ userId: number; access: ShareAccess }>): Promise<AclEntry[]> {
    const share = await this.core.dir.shareById(id);
    if (!share) throw new VfsError('NOT_FOUND', `no share with id ${id}`);
    const ids = new Set<number>();
    for (const e of entries) {
      if (ids.has(e.userId)) throw new VfsError('VALIDATION', `user ${e.userId} appears twice in the ACL`);
      ids.add(e.userId);
      if (!(await this.core.dir.userById(e.userId))) throw new VfsError('VALIDATION', `no user with id ${e.userId}`);
    }
    await this.core.knex.transaction(async (trx) => {
      await trx('share_acl').where('share_id', id).delete();
      if (entries.length) await trx('share_acl').insert(entries.map((e) => ({ share_id: id, user_id: e.userId, access: e.access })));
      await auditFile(this.core, actor, 'share.acl', `/${share.name}`, { shareId: id, entries }, trx);
    });
    return this.acl(id);
  }
}
