import type { Knex } from 'knex';
import type { SmartDisk } from '../../../hardware/index.js';

/** One stored acknowledgement, as the API shows it. */
export interface StoredAcknowledgement {
  attribute: string;
  value: number;
  by: string;
  at: number;
}

/** The identity of a disk across renames (sdb today, sdc after a reboot): its serial when it has one. */
export function diskKey(disk: Pick<SmartDisk, 'serial' | 'device'>): string {
  return disk.serial ? `serial:${disk.serial}` : `device:${disk.device}`;
}

/** The numeric values a scan stores: every attribute plus temperature and power-on hours. */
function scanValues(disk: SmartDisk): Map<string, number> {
  const values = new Map<string, number>();
  for (const a of disk.attributes) if (Number.isFinite(a.value)) values.set(a.key, a.value);
  if (disk.temperatureC !== null) values.set('temperature', disk.temperatureC);
  if (disk.powerOnHours !== null) values.set('power_on_hours', disk.powerOnHours);
  return values;
}

/** SMART scan history and acknowledgements in the database (tables from migration 20261128000500). */
export class SmartStore {
  constructor(private readonly knex: Knex) {}

  /** Stores one scan of a disk with all its values, in one transaction. */
  async recordScan(at: number, disk: SmartDisk, verdict: string, reasons: string[]): Promise<void> {
    await this.knex.transaction(async (trx) => {
      const [row] = await trx('smart_scans')
        .insert({ at, device: disk.device, serial: disk.serial, model: disk.model, verdict, reasons: JSON.stringify(reasons) })
        .returning('id');
      const scanId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
      const rows = [...scanValues(disk)].map(([attribute, value]) => ({ scan_id: scanId, attribute, value }));
      if (rows.length) await trx.batchInsert('smart_scan_values', rows, 200);
    });
  }

  /** One attribute of one disk over time, oldest first. */
  async history(device: string, attribute: string, from: number, to: number, limit: number): Promise<{ at: number; value: number }[]> {
    const rows: { at: number; value: number }[] = await this.knex('smart_scans as s')
      .join('smart_scan_values as v', 'v.scan_id', 's.id')
      .where('s.device', device)
      .where('v.attribute', attribute)
      .whereBetween('s.at', [from, to])
      .orderBy('s.at', 'desc')
      .limit(limit)
      .select('s.at', 'v.value');
    return rows.map((r) => ({ at: Number(r.at), value: Number(r.value) })).reverse();
  }

  /** The lowest stored value of one attribute of a disk since `since` (null without history). */
  async lowestSince(device: string, attribute: string, since: number): Promise<number | null> {
    const row = await this.knex('smart_scans as s')
      .join('smart_scan_values as v', 'v.scan_id', 's.id')
      .where('s.device', device)
      .where('v.attribute', attribute)
      .where('s.at', '>=', since)
      .min({ lowest: 'v.value' })
      .first();
    return row?.lowest === null || row?.lowest === undefined ? null : Number(row.lowest);
  }

  /** The scans of one disk (verdict over time), newest first. */
  async scans(device: string, from: number, to: number, limit: number): Promise<{ at: number; verdict: string; reasons: string[] }[]> {
    const rows: { at: number; verdict: string; reasons: string }[] = await this.knex('smart_scans')
      .where('device', device)
      .whereBetween('at', [from, to])
      .orderBy('at', 'desc')
      .limit(limit)
      .select('at', 'verdict', 'reasons');
    return rows.map((r) => ({ at: Number(r.at), verdict: r.verdict, reasons: JSON.parse(r.reasons) as string[] }));
  }

  async acknowledgements(key: string): Promise<StoredAcknowledgement[]> {
    const rows: { attribute: string; value: number; username: string; at: number }[] = await this.knex('smart_acknowledgements')
      .where('disk_key', key)
      .orderBy('attribute');
    return rows.map((r) => ({ attribute: r.attribute, value: Number(r.value), by: r.username, at: Number(r.at) }));
  }

  /** Records (or moves up) an acknowledgement: the value the admin saw, who, when. */
  async acknowledge(key: string, attribute: string, value: number, user: { id: number | null; name: string }, at: number): Promise<void> {
    await this.knex('smart_acknowledgements')
      .insert({ disk_key: key, attribute, value, user_id: user.id, username: user.name, at })
      .onConflict(['disk_key', 'attribute'])
      .merge(['value', 'user_id', 'username', 'at']);
  }

  /** Removes an acknowledgement; false when there was none. */
  async unacknowledge(key: string, attribute: string): Promise<boolean> {
    return (await this.knex('smart_acknowledgements').where({ disk_key: key, attribute }).delete()) > 0;
  }
}
