import type { Knex } from 'knex';
import { SecretUnreadableError, type SecretBox } from '../identity/index.js';
import type { AlertSeverity, RuleFamily } from './rules.js';

export type WebhookFormat = 'json' | 'ntfy' | 'gotify';

/** E-mail settings; the SMTP password is a secret and never part of `smtpUrl` here. */
export interface EmailSettings {
  smtpUrl: string;
  from: string;
  to: string[];
}

export interface WebhookSettings {
  url: string;
  format: WebhookFormat;
}

/** Secrets of a channel, stored encrypted: SMTP password, HMAC key, ntfy/Gotify token. */
export interface ChannelSecrets {
  password?: string;
  hmacSecret?: string;
  token?: string;
}

interface ChannelBase {
  id: number;
  name: string;
  source: 'api' | 'env';
  minSeverity: AlertSeverity;
  /** null = every family. */
  families: RuleFamily[] | null;
  enabled: boolean;
  createdAt: number;
}

export type Channel = ChannelBase & ({ kind: 'email'; settings: EmailSettings } | { kind: 'webhook'; settings: WebhookSettings });
/** `secretsUnreadable`: the stored secrets do not decrypt (another key, a tampered or moved value). */
export type ChannelWithSecrets = Channel & { secrets: ChannelSecrets; secretsUnreadable: boolean };
export type NewChannel = Omit<Channel, 'id' | 'createdAt'> & { secrets: ChannelSecrets };

interface ChannelRow {
  id: number;
  name: string;
  kind: 'email' | 'webhook';
  source: 'api' | 'env';
  settings: string;
  secrets: string | null;
  min_severity: AlertSeverity;
  families: string | null;
  enabled: boolean | number;
  created_at: number | string;
}

export interface Delivery {
  id: number;
  channelId: number;
  alertId: number | null;
  event: 'opened' | 'resolved' | 'reminder' | 'test';
  at: number;
  outcome: 'success' | 'failure';
  attempts: number;
  error: string | null;
}

const context = (id: number) => `nasd:alert-channel:${id}`;

/** Channels (secrets sealed with the at-rest key, the row id as context) and their delivery log. */
export class ChannelStore {
  constructor(
    private readonly knex: Knex,
    private readonly box: SecretBox,
  ) {}

  private toChannel(r: ChannelRow): ChannelWithSecrets {
    const base = {
      id: r.id, name: r.name, source: r.source, minSeverity: r.min_severity,
      families: r.families ? (JSON.parse(r.families) as RuleFamily[]) : null, enabled: Boolean(r.enabled), createdAt: Number(r.created_at),
      ...this.openSecrets(r),
    };
    return r.kind === 'email'
      ? { ...base, kind: 'email', settings: JSON.parse(r.settings) as EmailSettings }
      : { ...base, kind: 'webhook', settings: JSON.parse(r.settings) as WebhookSettings };
  }

  private openSecrets(r: ChannelRow): { secrets: ChannelSecrets; secretsUnreadable: boolean } {
    if (!r.secrets) return { secrets: {}, secretsUnreadable: false };
    try {
      return { secrets: JSON.parse(this.box.open(r.secrets, context(r.id))) as ChannelSecrets, secretsUnreadable: false };
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      return { secrets: {}, secretsUnreadable: true };
    }
  }

  async list(): Promise<ChannelWithSecrets[]> {
    const rows: ChannelRow[] = await this.knex<ChannelRow>('alert_channels').orderBy('id');
    return rows.map((r) => this.toChannel(r));
  }

  async get(id: number): Promise<ChannelWithSecrets | undefined> {
    const row = await this.knex<ChannelRow>('alert_channels').where({ id }).first();
    return row && this.toChannel(row);
  }

  async byName(name: string): Promise<ChannelWithSecrets | undefined> {
    const row = await this.knex<ChannelRow>('alert_channels').where({ name }).first();
    return row && this.toChannel(row);
  }

  /** Inserts a channel; the secrets are sealed once the row id (their context) is known. */
  async insert(c: NewChannel, now: number): Promise<ChannelWithSecrets> {
    const id = await this.knex.transaction(async (trx) => {
      const [row] = await trx('alert_channels')
        .insert({
          name: c.name, kind: c.kind, source: c.source, settings: JSON.stringify(c.settings), secrets: null,
          min_severity: c.minSeverity, families: c.families ? JSON.stringify(c.families) : null, enabled: c.enabled, created_at: now,
        })
        .returning('id');
      const newId = Number(typeof row === 'object' ? (row as { id: number }).id : row);
      await trx('alert_channels').where({ id: newId }).update({ secrets: this.box.seal(JSON.stringify(c.secrets), context(newId)) });
      return newId;
    });
    return (await this.get(id))!;
  }

  async update(id: number, c: Omit<NewChannel, 'source'>): Promise<void> {
    await this.knex('alert_channels').where({ id }).update({
      name: c.name, kind: c.kind, settings: JSON.stringify(c.settings), secrets: this.box.seal(JSON.stringify(c.secrets), context(id)),
      min_severity: c.minSeverity, families: c.families ? JSON.stringify(c.families) : null, enabled: c.enabled,
    });
  }

  async remove(id: number): Promise<boolean> {
    return (await this.knex('alert_channels').where({ id }).delete()) > 0;
  }

  async recordDelivery(d: Omit<Delivery, 'id'>): Promise<void> {
    await this.knex('alert_deliveries').insert({
      channel_id: d.channelId, alert_id: d.alertId, event: d.event, at: d.at, outcome: d.outcome, attempts: d.attempts, error: d.error?.slice(0, 1024) ?? null,
    });
  }

  async deliveries(channelId: number, limit: number): Promise<Delivery[]> {
    const rows: Record<string, unknown>[] = await this.knex('alert_deliveries').where({ channel_id: channelId }).orderBy('id', 'desc').limit(limit);
    return rows.map((r) => ({
      id: Number(r.id), channelId: Number(r.channel_id), alertId: r.alert_id === null ? null : Number(r.alert_id), event: r.event as Delivery['event'],
      at: Number(r.at), outcome: r.outcome as Delivery['outcome'], attempts: Number(r.attempts), error: (r.error as string | null) ?? null,
    }));
  }

  /** Deletes deliveries older than `before`; returns how many went. */
  async pruneDeliveries(before: number): Promise<number> {
    return this.knex('alert_deliveries').where('at', '<', before).delete();
  }

  /** The latest delivery of each channel (to show whether it works). */
  async lastDeliveries(): Promise<Map<number, Delivery>> {
    const out = new Map<number, Delivery>();
    for (const c of await this.knex('alert_channels').select('id')) {
      const [d] = await this.deliveries(Number(c.id), 1);
      if (d) out.set(d.channelId, d);
    }
    return out;
  }
}
