import { AppError, ValidationError } from '../../lib/errors.js';
import type { Channel, ChannelSecrets, ChannelStore, ChannelWithSecrets, Delivery, EmailSettings, WebhookFormat } from './channel-store.js';
import type { DeliveryResult } from './channels/webhook.js';
import type { Notifier } from './notifier.js';
import type { AlertSeverity, RuleFamily } from './rules.js';

/** A channel as the API shows it: secrets replaced by which ones are set, plus its last delivery. */
export type ChannelView = Channel & { secretsSet: (keyof ChannelSecrets)[]; secretsUnreadable: boolean; lastDelivery: Delivery | null };

interface CommonInput {
  name: string;
  minSeverity: AlertSeverity;
  families: RuleFamily[] | null;
  enabled: boolean;
}

/** What the API accepts to create or replace a channel. A secret left out keeps its stored value on replace. */
export type ChannelInput = CommonInput &
  (
    | { kind: 'email'; smtpUrl: string; from: string; to: string[] }
    | { kind: 'webhook'; url: string; format: WebhookFormat; hmacSecret?: string; token?: string }
  );

/** The e-mail channel the environment defines (NASD_SMTP_URL, NASD_SMTP_FROM, NASD_ALERT_EMAIL). */
export interface EnvEmailChannel {
  smtpUrl: string;
  from: string;
  to: string[];
}

export const ENV_CHANNEL_NAME = 'e-mail (environment)';

/** Splits an smtp(s):// URL into settings without the password, and the password. */
export function splitSmtpUrl(raw: string): { smtpUrl: string; password?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('smtpUrl must be a URL like smtp://user:password@host:587 or smtps://host:465');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new ValidationError('smtpUrl must start with smtp:// or smtps://');
  if (!url.hostname) throw new ValidationError('smtpUrl has no host');
  if (url.pathname && url.pathname !== '/' || url.search || url.hash) throw new ValidationError('smtpUrl takes no path, query or fragment');
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.password = '';
  return { smtpUrl: url.toString().replace(/\/$/, ''), password };
}

function checkWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('url must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ValidationError('url must start with http:// or https://');
  if (url.username || url.password) throw new ValidationError('url must not carry credentials: use token or hmacSecret');
  return url.toString();
}

/**
 * Channel management for the API: create, replace, delete, list (secrets never shown), deliveries
 * and "send test". The environment's e-mail channel is rewritten at every start and is read-only
 * here: the API adds channels but overrides nothing the environment fixes.
 */
export class ChannelService {
  constructor(
    private readonly store: ChannelStore,
    private readonly notifier: Notifier,
    private readonly now: () => number,
  ) {}

  /** Creates or rewrites the environment's e-mail channel; removes it when the environment no longer sets one. */
  async applyEnvironment(env: EnvEmailChannel | null): Promise<void> {
    const existing = await this.store.byName(ENV_CHANNEL_NAME);
    if (!env) {
      if (existing?.source === 'env') await this.store.remove(existing.id);
      return;
    }
    const { smtpUrl, password } = splitSmtpUrl(env.smtpUrl);
    const channel = { name: ENV_CHANNEL_NAME, kind: 'email' as const, settings: { smtpUrl, from: env.from, to: env.to }, secrets: password ? { password } : {}, minSeverity: 'warning' as const, families: null, enabled: true };
    if (existing) await this.store.update(existing.id, channel);
    else await this.store.insert({ ...channel, source: 'env' }, this.now());
  }

  async list(): Promise<ChannelView[]> {
    const last = await this.store.lastDeliveries();
    return (await this.store.list()).map((c) => view(c, last.get(c.id) ?? null));
  }

  private async load(id: number): Promise<ChannelWithSecrets> {
    const c = await this.store.get(id);
    if (!c) throw new AppError('NOT_FOUND', `no alert channel ${id}`);
    return c;
  }

  private async editable(id: number): Promise<ChannelWithSecrets> {
    const c = await this.load(id);
    if (c.source === 'env') throw new AppError('CONFLICT', `channel ${id} comes from the environment (NASD_SMTP_URL…); change it there`);
    return c;
  }

  private build(input: ChannelInput, previous?: ChannelSecrets) {
    const common = { name: input.name, minSeverity: input.minSeverity, families: input.families, enabled: input.enabled };
    if (input.kind === 'email') {
      const { smtpUrl, password } = splitSmtpUrl(input.smtpUrl);
      const settings: EmailSettings = { smtpUrl, from: input.from, to: input.to };
      return { ...common, kind: 'email' as const, settings, secrets: { password: password ?? previous?.password } };
    }
    return {
      ...common, kind: 'webhook' as const, settings: { url: checkWebhookUrl(input.url), format: input.format },
      secrets: { hmacSecret: input.hmacSecret ?? previous?.hmacSecret, token: input.token ?? previous?.token },
    };
  }

  async create(input: ChannelInput): Promise<ChannelView> {
    assertNotReserved(input.name);
    if (await this.store.byName(input.name)) throw new AppError('ALREADY_EXISTS', `a channel named "${input.name}" exists`);
    return view(await this.store.insert({ ...this.build(input), source: 'api' }, this.now()), null);
  }

  async replace(id: number, input: ChannelInput): Promise<ChannelView> {
    const current = await this.editable(id);
    assertNotReserved(input.name);
    const clash = await this.store.byName(input.name);
    if (clash && clash.id !== id) throw new AppError('ALREADY_EXISTS', `a channel named "${input.name}" exists`);
    await this.store.update(id, this.build(input, current.kind === input.kind && !current.secretsUnreadable ? current.secrets : undefined));
    return view(await this.load(id), null);
  }

  async remove(id: number): Promise<void> {
    await this.editable(id);
    await this.store.remove(id);
  }

  async deliveries(id: number, limit: number): Promise<Delivery[]> {
    await this.load(id);
    return this.store.deliveries(id, limit);
  }

  /** Sends a test notice to one channel now, whatever its filters; the outcome is stored like any delivery. */
  async test(id: number): Promise<DeliveryResult> {
    const channel = await this.load(id);
    const now = this.now();
    return this.notifier.deliver(channel, {
      event: 'test', pageUrl: null, sentAt: now,
      alerts: [{ id: null, ruleId: 'alerts.test', family: 'alerts', severity: 'info', key: channel.name, title: `Test notification for channel ${channel.name}`, whatToDo: 'Nothing: this checks that notifications arrive.', state: 'open', openedAt: now, closedAt: null, details: {} }],
    });
  }
}

function assertNotReserved(name: string): void {
  if (name === ENV_CHANNEL_NAME) throw new ValidationError(`name: "${ENV_CHANNEL_NAME}" is reserved for the channel the environment defines`);
}

function view(c: ChannelWithSecrets, lastDelivery: Delivery | null): ChannelView {
  const { secrets, secretsUnreadable: _u, ...rest } = c;
  const secretsSet = (Object.keys(secrets) as (keyof ChannelSecrets)[]).filter((k) => secrets[k]);
  return { ...rest, secretsSet, secretsUnreadable: c.secretsUnreadable, lastDelivery } as ChannelView;
}
