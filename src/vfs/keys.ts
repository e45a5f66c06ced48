import crypto from 'node:crypto';
import type { Knex } from 'knex';

/** Storage keys: `homes/<user>[/<rel>]` or `shares/<share>[/<rel>]` (see migrations/…_storage.ts). */

/** sha256 of a storage key: the row identity in file_owners and dead_properties. */
export function keyHash(key: string): string {
  return crypto.createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The key's area: its first two segments (`homes/alice`, `shares/media`). */
export function areaOf(key: string): string {
  const parts = key.split('/');
  return `${parts[0]}/${parts[1]}`;
}

/** The parent key (an area's root has its area kind, `homes` or `shares`, as parent). */
export function parentKey(key: string): string {
  const cut = key.lastIndexOf('/');
  return cut < 0 ? '' : key.slice(0, cut);
}

/** `key` rebased from `fromRoot` to `toRoot` (key is fromRoot or below it). */
export function rebaseKey(key: string, fromRoot: string, toRoot: string): string {
  return toRoot + key.slice(fromRoot.length);
}

/**
 * Restricts a query to rows whose `key` column is `key` or lies below it. The area index narrows
 * the scan; the prefix test uses substr on code points (SQLite and PostgreSQL both count
 * characters), which is exact and independent of collation, unlike LIKE (case-insensitive on
 * SQLite, and `_`/`%` are wildcards).
 */
export function whereSubtree(q: Knex.QueryBuilder, key: string): Knex.QueryBuilder {
  const prefix = `${key}/`;
  return q.where('area', areaOf(key)).andWhere((w) => {
    w.where('key', key).orWhereRaw('substr(key, 1, ?) = ?', [[...prefix].length, prefix]);
  });
}
