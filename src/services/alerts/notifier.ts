import type { Logger } from '../../lib/log.js';
import { ChannelStore, type ChannelWithSecrets, type Delivery } from './channel-store.js';
import { sendEmail } from './channels/email.js';
import type { Notice } from './channels/message.js';
import { sendWebhook, type DeliveryResult, type RetryPolicy } from './channels/webhook.js';
import { DeliveryQueue, MAX_QUEUED_PER_CHANNEL } from './delivery-queue.js';
import { atLeast, findRule } from './rules.js';

/** Told after each delivery, so a failing channel can become an alert (and clear again). */
export type ChannelHealthListener = (channel: ChannelWithSecrets, result: DeliveryResult) => Promise<void>;

/**
 * Sends notices to the channels that want them (enabled, at or above their minimum severity,
 * one of their families) and stores every delivery's outcome. Broadcasts are queued per channel
 * (retries and backoff run in the queue, not in the caller); a channel's failure never stops the
 * others, and never throws to the caller.
 */
export class Notifier {
  private onHealth: ChannelHealthListener = async () => undefined;
  private readonly queue = new DeliveryQueue(
    (channel, notice) => this.deliver(channel, notice),
    (channel, notice) => this.record(channel, notice, { ok: false, attempts: 0, error: `not sent: ${MAX_QUEUED_PER_CHANNEL} notices already wait for this channel` }),
  );

  constructor(
    private readonly channels: ChannelStore,
    private readonly policy: RetryPolicy,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** Sets the listener told about each delivery's outcome. */
  watchHealth(listener: ChannelHealthListener): void {
    this.onHealth = listener;
  }

  /** Whether `channel` takes this notice: every alert in it passes the channel's filters. */
  private wants(channel: ChannelWithSecrets, notice: Notice): boolean {
    if (!channel.enabled) return false;
    return notice.alerts.some((a) => atLeast(a.severity, channel.minSeverity) && (!channel.families || channel.families.includes(a.family)));
  }

  /** Queues the notice for every channel that wants it; returns how many channels it was queued for. */
  async broadcast(notice: Notice): Promise<number> {
    let queued = 0;
    for (const channel of await this.channels.list()) {
      if (!this.wants(channel, notice)) continue;
      const filtered = { ...notice, alerts: notice.alerts.filter((a) => atLeast(a.severity, channel.minSeverity) && (!channel.families || channel.families.includes(a.family))) };
      if (this.queue.enqueue(channel, filtered)) queued++;
    }
    return queued;
  }

  /** Resolves when every queued notice has been delivered or has failed. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Drops notices not sent yet and waits for the deliveries in progress. */
  close(): Promise<void> {
    return this.queue.close();
  }

  /** Sends to one channel now (the queue, and "send test"), records the outcome and tells the health listener. */
  async deliver(channel: ChannelWithSecrets, notice: Notice): Promise<DeliveryResult> {
    const result: DeliveryResult = channel.secretsUnreadable
      ? { ok: false, attempts: 0, error: 'the channel\u2019s stored secrets cannot be decrypted (another NASD_TOTP_KEY?): set them again' }
      : channel.kind === 'email'
        ? await this.sendMail(channel, notice)
        : await sendWebhook(channel.settings, channel.secrets, notice, this.policy);
    return this.record(channel, notice, result);
  }

  private async record(channel: ChannelWithSecrets, notice: Notice, result: DeliveryResult): Promise<DeliveryResult> {
    const alertId = notice.alerts.length === 1 ? notice.alerts[0].id : null;
    const delivery: Omit<Delivery, 'id'> = { channelId: channel.id, alertId, event: notice.event, at: this.now(), outcome: result.ok ? 'success' : 'failure', attempts: result.attempts, error: result.error };
    await this.channels.recordDelivery(delivery);
    if (!result.ok) this.logger.warn({ channel: channel.name, error: result.error, attempts: result.attempts }, 'alerts: a notification was not delivered');
    const isOwnAlert = notice.alerts.every((a) => findRule(a.ruleId)?.family === 'alerts');
    if (!isOwnAlert) await this.onHealth(channel, result).catch((err: unknown) => this.logger.error({ err }, 'alerts: cannot record the channel\u2019s health'));
    return result;
  }

  private async sendMail(channel: ChannelWithSecrets & { kind: 'email' }, notice: Notice): Promise<DeliveryResult> {
    let error = '';
    for (let attempt = 1; attempt <= this.policy.attempts; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.policy.backoffMs * 2 ** (attempt - 2)));
      try {
        await sendEmail(channel.settings, channel.secrets, notice);
        return { ok: true, attempts: attempt, error: null };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        error = `SMTP: ${e.message}`;
        // 5xx SMTP replies are permanent (RFC 5321 §4.2.1): retrying would not help.
        if (e.responseCode !== undefined && e.responseCode >= 500) return { ok: false, attempts: attempt, error };
      }
    }
    return { ok: false, attempts: this.policy.attempts, error };
  }
}
