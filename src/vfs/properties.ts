import type { Knex } from 'knex';
import { areaOf, keyHash, parentKey, rebaseKey, whereSubtree } from './keys.js';
import type { DeadProperty, PropertyPatch } from './types.js';

interface PropRow {
  key_hash: string;
  key: string;
  parent_hash: string;
  area: string;
  ns: string;
  name: string;
  xml: string;
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

  /** Applies a whole patch in one transaction: all of it or none. */
  async patch(key: string, patch: PropertyPatch): Promise<void> {
    const hash = keyHash(key);
    await this.knex.transaction(async (trx) => {
      for (const r of patch.remove) await trx('dead_properties').where({ key_hash: hash, ns: r.ns, name: r.name }).delete();
      for (const p of patch.set) {
        await trx('dead_properties')
          .insert({ key_hash: hash, key, parent_hash: keyHash(parentKey(key)), area: areaOf(key), ns: p.ns, name: p.name, xml: p.xml })
          .onConflict(['key_hash', 'ns', 'name'])
          .merge({ xml: p.xml });
      }
    });
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
      return { key_hash: keyHash(key), key, parent_hash: keyHash(parentKey(key)), area: areaOf(key), ns: r.ns, name: r.name, xml: r.xml };
    });
    for (let i = 0; i < moved.length; i += 200) {
      await db('dead_properties').insert(moved.slice(i, i + 200)).onConflict(['key_hash', 'ns', 'name']).merge();
    }
  }
}
