import crypto from 'node:crypto';
import type { ChannelSecrets, WebhookSettings } from '../channel-store.js';
import { subjectOf, textOf, WEBHOOK_SCHEMA, type Notice } from './message.js';

/** Retry policy for one webhook delivery. */
export interface RetryPolicy {
  attempts: number;
  /** Wait before the 2nd attempt; doubled before each further one. */
  backoffMs: number;
  timeoutMs: number;
}

/** The outcome of a delivery after its retries. */
export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  error: string | null;
}

/**
 * Header carrying the signature: `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`, with
 * the timestamp (epoch ms) in SIGNATURE_TIME_HEADER, so a receiver can refuse replays.
 */
export const SIGNATURE_HEADER = 'x-nasd-signature';
export const SIGNATURE_TIME_HEADER = 'x-nasd-timestamp';

/** The signature value for a body sent at `timestamp`. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

const NTFY_PRIORITY = { info: '3', warning: '4', critical: '5' } as const;
const GOTIFY_PRIORITY = { info: 2, warning: 5, critical: 8 } as const;

/** The request body and headers for the channel's format. */
export function webhookRequest(settings: WebhookSettings, secrets: ChannelSecrets, notice: Notice): { body: string; headers: Record<string, string> } {
  const top = notice.alerts.reduce((s, a) => (a.severity === 'critical' || (a.severity === 'warning' && s === 'info') ? a.severity : s), 'info' as 'info' | 'warning' | 'critical');
  let body: string;
  const headers: Record<string, string> = {};
  if (settings.format === 'ntfy') {
    // ntfy publishes the body as the message; title, priority and tags go in headers.
    body = textOf(notice);
    headers['content-type'] = 'text/plain; charset=utf-8';
    headers.title = subjectOf(notice).replace(/[^\x20-\x7e]/g, '?');
    headers.priority = notice.event === 'resolved' ? '3' : NTFY_PRIORITY[top];
    headers.tags = notice.event === 'resolved' ? 'white_check_mark' : top === 'info' ? 'information_source' : 'warning';
    if (notice.pageUrl) headers.click = notice.pageUrl;
    if (secrets.token) headers.authorization = `Bearer ${secrets.token}`;
  } else if (settings.format === 'gotify') {
    body = JSON.stringify({ title: subjectOf(notice), message: textOf(notice), priority: notice.event === 'resolved' ? GOTIFY_PRIORITY.info : GOTIFY_PRIORITY[top] });
    headers['content-type'] = 'application/json';
    if (secrets.token) headers['x-gotify-key'] = secrets.token;
  } else {
    body = JSON.stringify({
      schema: WEBHOOK_SCHEMA,
      event: notice.event,
      sentAt: notice.sentAt,
      pageUrl: notice.pageUrl,
      alerts: notice.alerts.map((a) => ({
        id: a.id, rule: a.ruleId, family: a.family, severity: a.severity, key: a.key, title: a.title, whatToDo: a.whatToDo,
        state: a.state, openedAt: a.openedAt, closedAt: a.closedAt, details: a.details,
      })),
    });
    headers['content-type'] = 'application/json';
  }
  if (secrets.hmacSecret) {
    const timestamp = String(notice.sentAt);
    headers[SIGNATURE_TIME_HEADER] = timestamp;
    headers[SIGNATURE_HEADER] = signBody(secrets.hmacSecret, timestamp, body);
  }
  return { body, headers };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * POSTs the notice; network errors, timeouts, 408, 429 and 5xx answers are retried with
 * exponential backoff, any other non-2xx answer fails at once (retrying would not change it).
 */
export async function sendWebhook(settings: WebhookSettings, secrets: ChannelSecrets, notice: Notice, policy: RetryPolicy): Promise<DeliveryResult> {
  const { body, headers } = webhookRequest(settings, secrets, notice);
  let error = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (attempt > 1) await sleep(policy.backoffMs * 2 ** (attempt - 2));
    try {
      const res = await fetch(settings.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(policy.timeoutMs) });
      await res.body?.cancel();
      if (res.ok) return { ok: true, attempts: attempt, error: null };
      error = `the receiver answered ${res.status}`;
      if (!(res.status === 408 || res.status === 429 || res.status >= 500)) return { ok: false, attempts: attempt, error };
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${policy.timeoutMs} ms` : `cannot reach the receiver: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`;
    }
  }
  return { ok: false, attempts: policy.attempts, error };
}
