import type { Knex } from 'knex';

const KEY = 'smb.enabled';

/** Where the administrator's SMB on/off choice (`PUT /api/smb`) is kept, so it outlives a restart. */
export interface SmbSwitchStore {
  /** The stored choice, or undefined when an administrator never made one. */
  load(): Promise<boolean | undefined>;
  save(enabled: boolean): Promise<void>;
}

/** The choice as a row of `nasd_settings`, shared by every process on the database. */
export function knexSmbSwitchStore(knex: Knex): SmbSwitchStore {
  return {
    async load() {
      const row = await knex('nasd_settings').where({ key: KEY }).first('value');
      return row ? row.value === 'true' : undefined;
    },
    async save(enabled) {
      await knex('nasd_settings')
        .insert({ key: KEY, value: String(enabled), updated_at: Date.now() })
        .onConflict('key')
        .merge(['value', 'updated_at']);
    },
  };
}
