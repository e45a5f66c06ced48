import type { Knex } from 'knex';

/** The few facts about a user the storage core needs (read-only view of the users table). */
export interface StorageUser {
  id: number;
  username: string;
  isAdmin: boolean;
  disabled: boolean;
  quotaBytes: number | null;
}

export type ShareAccess = 'none' | 'read' | 'write' | 'full';

/** A share as the storage core sees it. */
export interface Share {
  id: number;
  name: string;
  description: string;
  ownerId: number;
  sizeLimitBytes: number | null;
  browseable: boolean;
  recycleBin: boolean;
  timeMachine: boolean;
  createdAt: number;
  updatedAt: number;
}

interface ShareRow {
  id: number;
  name: string;
  description: string;
  owner_id: number;
  size_limit_bytes: number | null;
  browseable: boolean | number;
  recycle_bin: boolean | number;
  time_machine: boolean | number;
  created_at: number;
  updated_at: number;
}

/** Row → Share, normalizing SQLite's 0/1 booleans and pg's int8. */
export function toShare(row: ShareRow): Share {
  return {
    id: Number(row.id),
    name: row.name,
    description: row.description,
    ownerId: Number(row.owner_id),
    sizeLimitBytes: row.size_limit_bytes === null ? null : Number(row.size_limit_bytes),
    browseable: Boolean(row.browseable),
    recycleBin: Boolean(row.recycle_bin),
    timeMachine: Boolean(row.time_machine),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function toUser(row: { id: number; username: string; role: string; disabled: boolean | number; quota_bytes: number | null }): StorageUser {
  return {
    id: Number(row.id),
    username: row.username,
    isAdmin: row.role === 'admin',
    disabled: Boolean(row.disabled),
    quotaBytes: row.quota_bytes === null ? null : Number(row.quota_bytes),
  };
}

const USER_COLUMNS = ['id', 'username', 'role', 'disabled', 'quota_bytes'];

/**
 * Read-only lookups of users and shares for namespace resolution. Users are owned by the
 * identity module; the storage core only reads their id, name, role and quota.
 */
export class StorageDirectory {
  constructor(private readonly knex: Knex) {}

  async userById(id: number): Promise<StorageUser | undefined> {
    const row = await this.knex('users').select(USER_COLUMNS).where('id', id).first();
    return row ? toUser(row) : undefined;
  }

  async userByName(username: string): Promise<StorageUser | undefined> {
    const row = await this.knex('users').select(USER_COLUMNS).where('username', username).first();
    return row ? toUser(row) : undefined;
  }

  async users(): Promise<StorageUser[]> {
    const rows = await this.knex('users').select(USER_COLUMNS).orderBy('username');
    return rows.map(toUser);
  }

  /** Usernames of the given user ids, in one query (owners shown in a listing). */
  async usernames(ids: number[], db: Knex | Knex.Transaction = this.knex): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: number; username: string }> = await db('users').select('id', 'username').whereIn('id', ids);
    return new Map(rows.map((r) => [Number(r.id), r.username]));
  }

  async shareByName(name: string): Promise<Share | undefined> {
    const row = await this.knex<ShareRow>('shares').where('name', name).first();
    return row ? toShare(row) : undefined;
  }

  async shareById(id: number): Promise<Share | undefined> {
    const row = await this.knex<ShareRow>('shares').where('id', id).first();
    return row ? toShare(row) : undefined;
  }

  async shares(): Promise<Share[]> {
    const rows: ShareRow[] = await this.knex<ShareRow>('shares').orderBy('name');
    return rows.map(toShare);
  }

  /** The user's ACL entry on one share ('none' when there is none). */
  async accessOf(shareId: number, userId: number): Promise<ShareAccess> {
    const row = await this.knex('share_acl').select('access').where({ share_id: shareId, user_id: userId }).first();
    return (row?.access as ShareAccess | undefined) ?? 'none';
  }

  /** The user's ACL entries on all shares, in one query (root listing). */
  async accessMap(userId: number): Promise<Map<number, ShareAccess>> {
    const rows: Array<{ share_id: number; access: ShareAccess }> = await this.knex('share_acl').select('share_id', 'access').where('user_id', userId);
    return new Map(rows.map((r) => [Number(r.share_id), r.access]));
  }
}
