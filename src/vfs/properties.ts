import type { Knex } from 'knex';
import { VfsError } from '../lib/errors.js';
import { areaOf, keyHash, parentKey, rebaseKey, whereSubtree } from './keys.js';
import type { DeadProperty, PropertyPatch } from './types.js';

/** Largest dead property (namespace, name and value, in UTF-8 bytes) a resource may hold. */
export const MAX_PROPERTY_BYTES = 64 * 1024;
/** Largest total of dead property bytes on one resource. */
export const MAX_RESOURCE_PROPERTY_BYTES = 256 * 1024;

/** What a property costs: its namespace, name and value in UTF-8 bytes (charged to the resource's owner). */
export function propertyBytes(p: DeadProperty): number {
  return Buffer.byteLength(p.ns) + Buffer.byteLength(p.name) + Buffer.byteLength(p.xml);
}

interface PropRow {
  key_hash: string;
  key: string;
  parent_hash: string;
  area: string;
  ns: string;
  name: string;
  xml: string;
  bytes: number;
}

/** Repository of WebDAV dead properties per storage key (they follow moves and copies). */
export class PropertyRepo {
  constructor(private readonly knex: Knex) {}

  async get(key: string): Promise<DeadProperty[]> {
    const rows: PropRow[] = await this.knex('dead_properties').where('key_hash', keyHash(key)).orderBy(['ns', 'name']);
    return rows.map((r) => ({ ns: r.ns, name: r.name, xml: r.xml }));
  }

  /** Properties of all children of a folder, by child name, in ONE query (PROPFIND Depth 1). */
  async children(dirKey: string): Promise<Map<string, DeadProperty[]>> {
    const rows: PropRow[] = await this.knex('dead_properties').where('parent_hash', keyHash(dirKey)).orderBy(['ns', 'name']);
    const out = new Map<string, DeadProperty[]>();
    const cut = dirKey.length + 1;
    for (const r of rows) {
      const name = r.key.slice(cut);
      const list = out.get(name) ?? [];
      list.push({ ns: r.ns, name: r.name, xml: r.xml });
      out.set(name, list);
    }
    return out;
  }

  /**
   * Applies a whole patch inside `trx`: all of it or none. Refuses (QUOTA_EXCEEDED, with the
   * offending properties in `details.properties`) a property over MAX_PROPERTY_BYTES or a
   * resource whose properties would pass MAX_RESOURCE_PROPERTY_BYTES. Returns how many bytes
   * the resource's properties grew by (negative when they shrank), for the owner's usage.
   */
  async patch(trx: Knex, key: string, patch: PropertyPatch): Promise<number> {
    const hash = keyHash(key);
    const existing: Array<{ ns: string; name: string; bytes: number | string }> = await trx('dead_properties').select('ns', 'name', 'bytes').where('key_hash', hash);
    const sizes = new Map(existing.map((r) => [`${r.ns}\u0000${r.name}`, Number(r.bytes)]));
    const before = [...sizes.values()].reduce((a, b) => a + b, 0);
    for (const r of patch.remove) sizes.delete(`${r.ns}\u0000${r.name}`);
    const tooLarge = patch.set.filter((p) => propertyBytes(p) > MAX_PROPERTY_BYTES);
    if (tooLarge.length > 0) {
      throw new VfsError('QUOTA_EXCEEDED', `a dead property may hold at most ${MAX_PROPERTY_BYTES} bytes`, {
        details: { properties: tooLarge.map((p) => ({ ns: p.ns, name: p.name })) },
      });
    }
    for (const p of patch.set) sizes.set(`${p.ns}\u0000${p.name}`, propertyBytes(p));
    const after = [...sizes.values()].reduce((a, b) => a + b, 0);
    if (after > MAX_RESOURCE_PROPERTY_BYTES && after > before) {
      throw new VfsError('QUOTA_EXCEEDED', `the dead properties of one resource may hold at most ${MAX_RESOURCE_PROPERTY_BYTES} bytes`, {
        details: { properties: patch.set.map((p) => ({ ns: p.ns, name: p.name })) },
      });
    }
    for (const r of patch.remove) await trx('dead_properties').where({ key_hash: hash, ns: r.ns, name: r.name }).delete();
    for (const p of patch.set) {
      const bytes = propertyBytes(p);
      await trx('dead_properties')
        .insert({ key_hash: hash, key, parent_hash: keyHash(parentKey(key)), area: areaOf(key), ns: p.ns, name: p.name, xml: p.xml, bytes })
        .onConflict(['key_hash', 'ns', 'name'])
        .merge({ xml: p.xml, bytes });
    }
    return after - before;
  }

  /** Property bytes at and below `key` (only at `key` when `depth0`), by storage key. */
  async subtreeBytes(db: Knex, key: string, depth0 = false): Promise<Map<string, number>> {
    const q = db('dead_properties').select('key').sum({ bytes: 'bytes' }).groupBy('key');
    const rows = (await (depth0 ? q.where('key_hash', keyHash(key)) : whereSubtree(q, key))) as Array<{ key: string; bytes: number | string | null }>;
    return new Map(rows.map((r) => [r.key, Number(r.bytes ?? 0)]));
  }

  /**
   * Property bytes at and below `key` per owner of the resource (null: no owner record, so the
   * area's fallback owner), in one query: what deleting the subtree gives back.
   */
  async subtreeBytesByOwner(db: Knex, key: string): Promise<Array<{ ownerId: number | null; bytes: number }>> {
    const props = whereSubtree(db('dead_properties').select('key_hash', 'bytes'), key).as('p');
    const rows = (await db
      .from(props)
      .leftJoin('file_owners as o', 'o.key_hash', 'p.key_hash')
      .select('o.owner_id')
      .sum({ bytes: 'p.bytes' })
      .groupBy('o.owner_id')) as Array<{ owner_id: number | string | null; bytes: number | string | null }>;
    return rows.map((r) => ({ ownerId: r.owner_id === null ? null : Number(r.owner_id), bytes: Number(r.bytes ?? 0) }));
  }

  /** Property bytes per (area, owner of the resource; null when it has no owner record), for reconcile. */
  async bytesByAreaAndOwner(): Promise<Array<{ area: string; ownerId: number | null; bytes: number }>> {
    const rows = (await this.knex('dead_properties as p')
      .leftJoin('file_owners as o', 'o.key_hash', 'p.key_hash')
      .select('p.area', 'o.owner_id')
      .sum({ bytes: 'p.bytes' })
      .groupBy('p.area', 'o.owner_id')) as Array<{ area: string; owner_id: number | string | null; bytes: number | string | null }>;
    return rows.map((r) => ({ area: r.area, ownerId: r.owner_id === null ? null : Number(r.owner_id), bytes: Number(r.bytes ?? 0) }));
  }

  /** Storage keys in an area that carry properties (reconcile drops those gone from disk). */
  async keysIn(area: string): Promise<string[]> {
    const rows: Array<{ key: string }> = await this.knex('dead_properties').distinct('key').where('area', area);
    return rows.map((r) => r.key);
  }

  async deleteKeys(db: Knex, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 200) {
      await db('dead_properties').whereIn('key_hash', keys.slice(i, i + 200).map(keyHash)).delete();
    }
  }

  async deleteSubtree(db: Knex, key: string): Promise<void> {
    await whereSubtree(db('dead_properties'), key).delete();
  }

  /** Re-keys (move) or duplicates (copy) the properties of a subtree; `depth0` limits it to the root. */
  async transferSubtree(db: Knex, fromKey: string, toKey: string, mode: 'move' | 'copy', depth0 = false): Promise<void> {
    const rows: PropRow[] = depth0
      ? await db('dead_properties').where('key_hash', keyHash(fromKey))
      : await whereSubtree(db('dead_properties').select('*'), fromKey);
    if (rows.length === 0) return;
    if (mode === 'move') await this.deleteSubtree(db, fromKey);
    const moved = rows.map((r) => {
      const key = rebaseKey(r.key, fromKey, toKey);
      return { key_hash: keyHash(key), key, parent_hash: keyHash(parentKey(key)), area: areaOf(key), ns: r.ns, name: r.name, xml: r.xml, bytes: r.bytes };
    });
    for (let i = 0; i < moved.length; i += 200) {
      await db('dead_properties').insert(moved.slice(i, i + 200)).onConflict(['key_hash', 'ns', 'name']).merge();
    }
  }
}
