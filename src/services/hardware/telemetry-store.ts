import type { Knex } from 'knex';
import type { SystemSample } from '../../../hardware/index.js';

export type Resolution = 'raw' | '1m' | '1h';

/** The stored shape of a sample (one row of telemetry_raw / _1m / _1h); `samples` = raw samples averaged. */
export type TelemetryPoint = Omit<SystemSample, 'filesystems'> & { samples: number };

const COLUMNS: Record<Exclude<keyof TelemetryPoint, 'at' | 'samples'>, string> = {
  cpuLoadPercent: 'cpu_load',
  memUsedBytes: 'mem_used',
  memTotalBytes: 'mem_total',
  diskReadBps: 'disk_read_bps',
  diskWriteBps: 'disk_write_bps',
  netRxBps: 'net_rx_bps',
  netTxBps: 'net_tx_bps',
  fsUsedBytes: 'fs_used',
  fsSizeBytes: 'fs_size',
};
const FIELDS = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];

export const TABLE: Record<Resolution, string> = { raw: 'telemetry_raw', '1m': 'telemetry_1m', '1h': 'telemetry_1h' };
export const BUCKET_MS: Record<Exclude<Resolution, 'raw'>, number> = { '1m': 60_000, '1h': 3_600_000 };
/** How long each resolution is kept: raw 24 h, minute averages 7 days, hourly averages a year. */
export const RETENTION_MS: Record<Resolution, number> = { raw: 86_400_000, '1m': 7 * 86_400_000, '1h': 365 * 86_400_000 };

function toRow(p: TelemetryPoint): Record<string, number | null> {
  const row: Record<string, number | null> = { at: p.at, samples: p.samples };
  for (const f of FIELDS) row[COLUMNS[f]] = p[f];
  return row;
}

function fromRow(row: Record<string, unknown>): TelemetryPoint {
  const p = { at: Number(row.at), samples: Number(row.samples) } as TelemetryPoint;
  for (const f of FIELDS) p[f] = row[COLUMNS[f]] === null || row[COLUMNS[f]] === undefined ? null : Number(row[COLUMNS[f]]);
  return p;
}

/** Averages points into buckets of `bucketMs`; each field averages its non-null values (null when it had none). */
export function downsample(points: TelemetryPoint[], bucketMs: number): TelemetryPoint[] {
  const buckets = new Map<number, TelemetryPoint[]>();
  for (const p of points) {
    const at = Math.floor(p.at / bucketMs) * bucketMs;
    buckets.set(at, [...(buckets.get(at) ?? []), p]);
  }
  return [...buckets].map(([at, group]) => {
    const out = { at, samples: group.reduce((n, p) => n + p.samples, 0) } as TelemetryPoint;
    for (const f of FIELDS) {
      const values = group.filter((p) => p[f] !== null);
      const weight = values.reduce((n, p) => n + p.samples, 0);
      out[f] = weight === 0 ? null : values.reduce((sum, p) => sum + (p[f] as number) * p.samples, 0) / weight;
    }
    return out;
  });
}

export function pointOf(sample: SystemSample): TelemetryPoint {
  const { at, filesystems: _fs, ...values } = sample;
  return { at, samples: 1, ...values };
}

/** Telemetry rows in the three resolution tables, with roll-up and retention. */
export class TelemetryStore {
  constructor(private readonly knex: Knex) {}

  async insertRaw(point: TelemetryPoint): Promise<void> {
    await this.knex(TABLE.raw).insert(toRow(point)).onConflict('at').ignore();
  }

  /**
   * Rolls finished buckets up: raw → minutes, minutes → hours, up to (not including) the bucket
   * `now` falls in. Only buckets after the last rolled-up one are computed, so it is cheap and
   * idempotent (a bucket already stored is left alone).
   */
  async rollUp(now: number): Promise<void> {
    for (const [from, to] of [['raw', '1m'], ['1m', '1h']] as const) {
      const bucket = BUCKET_MS[to];
      const last = await this.knex(TABLE[to]).max<{ m: number | null }[]>({ m: 'at' });
      const start = last[0]?.m === null || last[0]?.m === undefined ? 0 : Number(last[0].m) + bucket;
      const end = Math.floor(now / bucket) * bucket;
      if (end <= start) continue;
      const rows = await this.knex(TABLE[from]).where('at', '>=', start).andWhere('at', '<', end).orderBy('at');
      const rolled = downsample(rows.map(fromRow), bucket);
      for (const p of rolled) await this.knex(TABLE[to]).insert(toRow(p)).onConflict('at').ignore();
    }
  }

  /** Deletes what is past each resolution's retention. */
  async prune(now: number): Promise<void> {
    for (const r of ['raw', '1m', '1h'] as const) await this.knex(TABLE[r]).where('at', '<', now - RETENTION_MS[r]).delete();
  }

  async range(resolution: Resolution, from: number, to: number, limit: number): Promise<TelemetryPoint[]> {
    const rows = await this.knex(TABLE[resolution]).whereBetween('at', [from, to]).orderBy('at', 'desc').limit(limit);
    return rows.map(fromRow).reverse();
  }
}
