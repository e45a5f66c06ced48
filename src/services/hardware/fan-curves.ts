import type { Knex } from 'knex';
import type { FanCurve } from '../../../hardware/index.js';

/** A stored curve with who set it. */
export interface StoredFanCurve extends FanCurve {
  fanId: string;
  updatedBy: string;
  updatedAt: number;
}

interface Row {
  fan_id: string;
  sensor_id: string;
  points: string;
  min_duty: number;
  max_duty: number;
  hysteresis_c: number;
  updated_by: string;
  updated_at: number;
}

/** Per-fan curves in the `fan_curves` table, so every nasd process and every restart uses the same ones. */
export class FanCurveStore {
  constructor(private readonly knex: Knex) {}

  async list(): Promise<StoredFanCurve[]> {
    const rows: Row[] = await this.knex('fan_curves').orderBy('fan_id');
    return rows.map((r) => ({
      fanId: r.fan_id,
      sensorId: r.sensor_id,
      points: JSON.parse(r.points) as FanCurve['points'],
      minDuty: Number(r.min_duty),
      maxDuty: Number(r.max_duty),
      hysteresisC: Number(r.hysteresis_c),
      updatedBy: r.updated_by,
      updatedAt: Number(r.updated_at),
    }));
  }

  async put(fanId: string, curve: FanCurve, by: string, at: number): Promise<void> {
    const row = { sensor_id: curve.sensorId, points: JSON.stringify(curve.points), min_duty: curve.minDuty, max_duty: curve.maxDuty, hysteresis_c: curve.hysteresisC, updated_by: by, updated_at: at };
    await this.knex('fan_curves').insert({ fan_id: fanId, ...row }).onConflict('fan_id').merge(Object.keys(row));
  }

  async remove(fanId: string): Promise<boolean> {
    return (await this.knex('fan_curves').where('fan_id', fanId).delete()) > 0;
  }
}
