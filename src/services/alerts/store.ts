import type { Knex } from 'knex';
import { isUniqueViolation } from '../../lib/unique-violation.js';
import type { AlertSeverity } from './rules.js';

/** An alert as stored and shown by the API. */
export interface AlertRecord {
  id: number;
  ruleId: string;
  key: string;
  severity: AlertSeverity;
  state: 'open' | 'closed';
  title: string;
  details: Record<string, unknown>;
  userId: number | null;
  openedAt: number;
  lastSeenAt: number;
  clearingSince: number | null;
  closedAt: number | null;
  ackedAt: number | null;
  ackedBy: string | null;
  remindedAt: number | null;
}

interface AlertRow {
  id: number | string;
  rule_id: string;
  key: string;
  severity: AlertSeverity;
  state: 'open' | 'closed';
  title: string;
  details: string;
  user_id: number | null;
  opened_at: number | string;
  last_seen_at: number | string;
  clearing_since: number | string | null;
  closed_at: number | string | null;
  acked_at: number | string | null;
  acked_by: string | null;
  reminded_at: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toRecord(r: AlertRow): AlertRecord {
  return {
    id: Number(r.id), ruleId: r.rule_id, key: r.key, severity: r.severity, state: r.state, title: r.title,
    details: JSON.parse(r.details) as Record<string, unknown>, userId: r.user_id,
    openedAt: Number(r.opened_at), lastSeenAt: Number(r.last_seen_at), clearingSince: num(r.clearing_since),
    closedAt: num(r.closed_at), ackedAt: num(r.acked_at), ackedBy: r.acked_by, remindedAt: num(r.reminded_at),
  };
}

export interface AlertListQuery {
  state?: 'open' | 'closed';
  /** Only alerts visible to this user (their own `user`/`user+admins` alerts). */
  forUserId?: number;
  /** Admin view: everything but the alerts addressed to a user alone. */
  adminAudienceRules?: readonly string[];
  limit: number;
  offset: number;
}

/** The alerts tables: rows in, records out. No rules here. */
export class AlertStore {
  constructor(private readonly knex: Knex) {}

  async open(ruleId: string, key: string): Promise<AlertRecord | undefined> {
    const row = await this.knex<AlertRow>('alerts').where({ rule_id: ruleId, key, state: 'open' }).first();
    return row && toRecord(row);
  }

  async openOf(ruleIds: readonly string[]): Promise<AlertRecord[]> {
    const rows: AlertRow[] = await this.knex<AlertRow>('alerts').whereIn('rule_id', ruleIds as string[]).andWhere('state', 'open');
    return rows.map(toRecord);
  }

  /** Inserts an open alert; undefined when one is already open for the rule and key (the unique index said so). */
  async insertOpen(a: Omit<AlertRecord, 'id' | 'clearingSince' | 'closedAt' | 'ackedAt' | 'ackedBy' | 'remindedAt'>): Promise<AlertRecord | undefined> {
    try {
      const [row] = await this.knex<AlertRow>('alerts')
        .insert({
          rule_id: a.ruleId, key: a.key, severity: a.severity, state: a.state, title: a.title, details: JSON.stringify(a.details),
          user_id: a.userId, opened_at: a.openedAt, last_seen_at: a.lastSeenAt,
        })
        .returning('*');
      return toRecord(row as AlertRow);
    } catch (err) {
      if (isUniqueViolation(err)) return undefined;
      throw err;
    }
  }

  async update(id: number, patch: Partial<Pick<AlertRecord, 'state' | 'details' | 'lastSeenAt' | 'clearingSince' | 'closedAt' | 'ackedAt' | 'ackedBy' | 'remindedAt'>>): Promise<void> {
    const row: Record<string, unknown> = {};
    if (patch.state !== undefined) row.state = patch.state;
    if (patch.details !== undefined) row.details = JSON.stringify(patch.details);
    if (patch.lastSeenAt !== undefined) row.last_seen_at = patch.lastSeenAt;
    if (patch.clearingSince !== undefined) row.clearing_since = patch.clearingSince;
    if (patch.closedAt !== undefined) row.closed_at = patch.closedAt;
    if (patch.ackedAt !== undefined) row.acked_at = patch.ackedAt;
    if (patch.ackedBy !== undefined) row.acked_by = patch.ackedBy;
    if (patch.remindedAt !== undefined) row.reminded_at = patch.remindedAt;
    await this.knex('alerts').where({ id }).update(row);
  }

  /** Closes an open alert; false when it was no longer open (another process closed it first). */
  async closeIfOpen(id: number, at: number): Promise<boolean> {
    return (await this.knex('alerts').where({ id, state: 'open' }).update({ state: 'closed', closed_at: at })) === 1;
  }

  /** Marks a reminder as sent unless another process did since `previous` was read; true when this caller sends it. */
  async claimReminder(id: number, previous: number | null, at: number): Promise<boolean> {
    const q = this.knex('alerts').where({ id, state: 'open' });
    if (previous === null) q.whereNull('reminded_at');
    else q.where('reminded_at', previous);
    return (await q.update({ reminded_at: at })) === 1;
  }

  /** Deletes closed alerts that closed before `before`; returns how many went. */
  async pruneClosed(before: number): Promise<number> {
    return this.knex('alerts').where('state', 'closed').andWhere('closed_at', '<', before).delete();
  }

  async get(id: number): Promise<AlertRecord | undefined> {
    const row = await this.knex<AlertRow>('alerts').where({ id }).first();
    return row && toRecord(row);
  }

  async list(q: AlertListQuery): Promise<{ items: AlertRecord[]; total: number }> {
    const base = this.knex<AlertRow>('alerts').where((b) => {
      if (q.state) b.where('state', q.state);
      if (q.forUserId !== undefined) b.where('user_id', q.forUserId);
      if (q.adminAudienceRules) b.whereIn('rule_id', q.adminAudienceRules as string[]);
    });
    const [{ count }] = await base.clone().count<{ count: number | string }[]>({ count: '*' });
    const rows: AlertRow[] = await base.clone().orderBy('id', 'desc').limit(q.limit).offset(q.offset);
    return { items: rows.map(toRecord), total: Number(count) };
  }

  async snoozes(now: number): Promise<Map<string, { until: number; by: string }>> {
    const rows: { rule_id: string; until: number | string; by: string }[] = await this.knex('alert_rule_snoozes').where('until', '>', now);
    return new Map(rows.map((r) => [r.rule_id, { until: Number(r.until), by: r.by }]));
  }

  async snooze(ruleId: string, until: number, by: string): Promise<void> {
    await this.knex('alert_rule_snoozes').insert({ rule_id: ruleId, until, by }).onConflict('rule_id').merge();
  }

  async unsnooze(ruleId: string): Promise<boolean> {
    return (await this.knex('alert_rule_snoozes').where({ rule_id: ruleId }).delete()) > 0;
  }
}
