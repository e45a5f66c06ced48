import type { Knex } from 'knex';
import { fastQuery } from '../lib/fast-query.js';
import { areaOf, keyHash, parentKey, rebaseKey, whereSubtree } from './keys.js';

/** MD5 and SHA-1 of a file's content, and the ETag of the file they were computed from. */
export interface CachedHashes {
  md5: string;
  sha1: string;
  etag: string;
}

/** Who owns one file or folder, and the bytes it counts for. */
export interface OwnerRecord {
  key: string;
  ownerId: number;
  isDir: boolean;
  size: number;
  sha256: string | null;
  /** Cached content hashes: insertMany writes them (a move carries them), upsert always clears them. */
  hashes?: CachedHashes | null;
}

interface OwnerRow {
  key_hash: string;
  key: string;
  parent_hash: string;
  area: string;
  owner_id: number;
  is_dir: boolean | number;
  size: number;
  sha256: string | null;
  md5: string | null;
  sha1: string | null;
  hashed_etag: string | null;
  updated_at: number;
}

function hashesOf(row: Pick<OwnerRow, 'md5' | 'sha1' | 'hashed_etag'>): CachedHashes | null {
  return row.md5 && row.sha1 && row.hashed_etag ? { md5: row.md5, sha1: row.sha1, etag: row.hashed_etag } : null;
}

function toRecord(row: OwnerRow): OwnerRecord {
  return { key: row.key, ownerId: Number(row.owner_id), isDir: Boolean(row.is_dir), size: Number(row.size), sha256: row.sha256, hashes: hashesOf(row) };
}

function toRow(rec: OwnerRecord, now: number): OwnerRow {
  return {
    key_hash: keyHash(rec.key),
    key: rec.key,
    parent_hash: keyHash(parentKey(rec.key)),
    area: areaOf(rec.key),
    owner_id: rec.ownerId,
    is_dir: rec.isDir,
    size: rec.size,
    sha256: rec.sha256,
    md5: rec.hashes?.md5 ?? null,
    sha1: rec.hashes?.sha1 ?? null,
    hashed_etag: rec.hashes?.etag ?? null,
    updated_at: now,
  };
}

const UPSERT_SQL =
  'insert into file_owners (key_hash, "key", parent_hash, area, owner_id, is_dir, size, sha256, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
  'on conflict (key_hash) do update set "key" = excluded."key", parent_hash = excluded.parent_hash, area = excluded.area, owner_id = excluded.owner_id, ' +
  'is_dir = excluded.is_dir, size = excluded.size, sha256 = excluded.sha256, md5 = null, sha1 = null, hashed_etag = null, updated_at = excluded.updated_at';

/** Repository of the file_owners table. No business rules: the service decides who owns what. */
export class OwnerRepo {
  constructor(private readonly knex: Knex) {}

  /** One record by key (fastQuery: read on every GET and PUT). */
  async get(key: string, db: Knex = this.knex): Promise<OwnerRecord | undefined> {
    const [row] = await fastQuery(db, 'select * from file_owners where key_hash = ?', [keyHash(key)]);
    return row ? toRecord(row as unknown as OwnerRow) : undefined;
  }

  /** Owner ids of a folder's children by name: ONE query, however many children (PROPFIND Depth 1). */
  async childOwners(dirKey: string): Promise<Map<string, number>> {
    const rows: Array<Pick<OwnerRow, 'key' | 'owner_id'>> = await this.knex('file_owners')
      .select('key', 'owner_id')
      .where('parent_hash', keyHash(dirKey));
    const cut = dirKey.length + 1;
    return new Map(rows.map((r) => [r.key.slice(cut), Number(r.owner_id)]));
  }

  /** The cached content hashes of a folder's children that have them, by name: ONE query (PROPFIND Depth 1). */
  async childHashes(dirKey: string): Promise<Map<string, CachedHashes>> {
    const rows: Array<Pick<OwnerRow, 'key' | 'md5' | 'sha1' | 'hashed_etag'>> = await this.knex('file_owners')
      .select('key', 'md5', 'sha1', 'hashed_etag')
      .where('parent_hash', keyHash(dirKey))
      .whereNotNull('md5');
    const cut = dirKey.length + 1;
    const out = new Map<string, CachedHashes>();
    for (const row of rows) {
      const hashes = hashesOf(row);
      if (hashes) out.set(row.key.slice(cut), hashes);
    }
    return out;
  }

  /** The cached content hashes of those of `keys` that have them, by key. */
  async cachedHashes(keys: string[]): Promise<Map<string, CachedHashes>> {
    const out = new Map<string, CachedHashes>();
    for (let i = 0; i < keys.length; i += 200) {
      const rows: Array<Pick<OwnerRow, 'key' | 'md5' | 'sha1' | 'hashed_etag'>> = await this.knex('file_owners')
        .select('key', 'md5', 'sha1', 'hashed_etag')
        .whereIn('key_hash', keys.slice(i, i + 200).map(keyHash))
        .whereNotNull('md5');
      for (const row of rows) {
        const hashes = hashesOf(row);
        if (hashes) out.set(row.key, hashes);
      }
    }
    return out;
  }

  /** Caches a file's content hashes on its record (none is created: a file without one is hashed again next time). */
  async storeHashes(key: string, hashes: CachedHashes): Promise<void> {
    await this.knex('file_owners').where({ key_hash: keyHash(key), is_dir: false }).update({ md5: hashes.md5, sha1: hashes.sha1, hashed_etag: hashes.etag });
  }

  /** Creates or replaces one record, without cached hashes (fastQuery: every file commit). */
  async upsert(db: Knex, rec: OwnerRecord, now = Date.now()): Promise<void> {
    const r = toRow(rec, now);
    await fastQuery(db, UPSERT_SQL, [r.key_hash, r.key, r.parent_hash, r.area, r.owner_id, r.is_dir, r.size, r.sha256, r.updated_at]);
  }

  async insertMany(db: Knex, recs: OwnerRecord[], now = Date.now()): Promise<void> {
    for (let i = 0; i < recs.length; i += 200) {
      await db('file_owners').insert(recs.slice(i, i + 200).map((r) => toRow(r, now))).onConflict('key_hash').merge();
    }
  }

  /** `key` and everything recorded below it. */
  async subtree(key: string, db: Knex = this.knex): Promise<OwnerRecord[]> {
    const rows: OwnerRow[] = await whereSubtree(db('file_owners').select('*'), key);
    return rows.map(toRecord);
  }

  /** Bytes and files recorded at and below `key`, per owner (folders not counted): what deleting it gives back. */
  async subtreeUsage(key: string, db: Knex = this.knex): Promise<Array<{ ownerId: number; bytes: number; files: number }>> {
    const q = db('file_owners').select('owner_id').sum({ bytes: 'size' }).count({ files: '*' }).where('is_dir', false).groupBy('owner_id');
    const rows = (await whereSubtree(q, key)) as Array<{ owner_id: number; bytes: number | string | null; files: number | string }>;
    return rows.map((r) => ({ ownerId: Number(r.owner_id), bytes: Number(r.bytes ?? 0), files: Number(r.files) }));
  }

  /** Every record of one area (reconcile). */
  async area(area: string): Promise<OwnerRecord[]> {
    const rows: OwnerRow[] = await this.knex('file_owners').select('*').where('area', area);
    return rows.map(toRecord);
  }

  async deleteSubtree(db: Knex, key: string): Promise<void> {
    await whereSubtree(db('file_owners'), key).delete();
  }

  async deleteKeys(db: Knex, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 200) {
      await db('file_owners').whereIn('key_hash', keys.slice(i, i + 200).map(keyHash)).delete();
    }
  }

  /**
   * Re-keys a moved subtree; `ownerOf` may hand records to a new owner (moving into a home).
   * The caller has already removed whatever was at the target.
   */
  async moveSubtree(db: Knex, fromKey: string, toKey: string, ownerOf: (rec: OwnerRecord) => number): Promise<OwnerRecord[]> {
    const recs = await this.subtree(fromKey, db);
    await this.deleteSubtree(db, fromKey);
    const moved = recs.map((r) => ({ ...r, key: rebaseKey(r.key, fromKey, toKey), ownerId: ownerOf(r) }));
    await this.insertMany(db, moved);
    return recs;
  }

  /** Bytes and file counts per owner across all areas (reconcile). */
  async totalsByOwner(): Promise<Map<number, { bytes: number; files: number }>> {
    const rows: Array<{ owner_id: number; bytes: number | string | null; files: number | string }> = await this.knex('file_owners')
      .select('owner_id')
      .sum({ bytes: 'size' })
      .count({ files: '*' })
      .where('is_dir', false)
      .groupBy('owner_id');
    return new Map(rows.map((r) => [Number(r.owner_id), { bytes: Number(r.bytes ?? 0), files: Number(r.files) }]));
  }

  /** Bytes and file counts in one area (share usage). */
  async areaTotals(area: string, db: Knex = this.knex): Promise<{ bytes: number; files: number }> {
    const row = (await db('file_owners').sum({ bytes: 'size' }).count({ files: '*' }).where({ area, is_dir: false }).first()) as
      | { bytes: number | string | null; files: number | string }
      | undefined;
    return { bytes: Number(row?.bytes ?? 0), files: Number(row?.files ?? 0) };
  }
}
