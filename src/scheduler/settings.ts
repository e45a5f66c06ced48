import type { Knex } from 'knex';

/** An administrator's choice for one job (or the code's defaults, written at first start). */
export interface JobSettings {
  name: string;
  enabled: boolean;
  intervalMs: number;
  updatedAt: number;
  updatedBy: string | null;
}

interface SettingsRow {
  name: string;
  enabled: boolean | number;
  interval_ms: number;
  updated_at: number;
  updated_by: string | null;
}

const toSettings = (r: SettingsRow): JobSettings => ({
  name: r.name,
  enabled: Boolean(r.enabled),
  intervalMs: Number(r.interval_ms),
  updatedAt: Number(r.updated_at),
  updatedBy: r.updated_by,
});

/** scheduler_jobs: the source of truth for enabled/interval, shared by every nasd process. */
export class JobSettingsStore {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes the defaults for a job seen for the first time; keeps existing settings. */
  async ensure(name: string, defaults: { enabled: boolean; intervalMs: number }): Promise<JobSettings> {
    await this.knex('scheduler_jobs')
      .insert({ name, enabled: defaults.enabled, interval_ms: defaults.intervalMs, updated_at: this.now(), updated_by: null })
      .onConflict('name')
      .ignore();
    return (await this.get(name))!;
  }

  async get(name: string): Promise<JobSettings | undefined> {
    const row = await this.knex<SettingsRow>('scheduler_jobs').where({ name }).first();
    return row ? toSettings(row) : undefined;
  }

  async update(name: string, change: { enabled?: boolean; intervalMs?: number }, by: string): Promise<JobSettings> {
    await this.knex('scheduler_jobs')
      .where({ name })
      .update({
        ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
        ...(change.intervalMs === undefined ? {} : { interval_ms: change.intervalMs }),
        updated_at: this.now(),
        updated_by: by,
      });
    return (await this.get(name))!;
  }
}
