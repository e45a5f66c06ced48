import type { AlertSeverity, RuleFamily } from '../rules.js';

/** Why a notice goes out. */
export type NoticeEvent = 'opened' | 'resolved' | 'reminder' | 'test';

/** One alert as channels present it. */
export interface NoticeAlert {
  id: number | null;
  ruleId: string;
  family: RuleFamily;
  severity: AlertSeverity;
  key: string;
  title: string;
  whatToDo: string;
  state: 'open' | 'closed';
  openedAt: number;
  closedAt: number | null;
  details: Record<string, unknown>;
}

/** What one channel delivery carries: one alert (opened/resolved/test) or a digest (reminder). */
export interface Notice {
  event: NoticeEvent;
  alerts: NoticeAlert[];
  /** Link to the alerts page, when nasd knows its public address. */
  pageUrl: string | null;
  sentAt: number;
}

/** Stable JSON schema id of the generic webhook body. */
export const WEBHOOK_SCHEMA = 'nasd.alert.v1';

const LEAD: Record<NoticeEvent, string> = { opened: '', resolved: 'Resolved: ', reminder: 'Still open: ', test: 'Test: ' };

/** One-line subject: the alert's title, or a digest count. */
export function subjectOf(n: Notice): string {
  if (n.event === 'reminder') return `nasd: ${n.alerts.length} critical alert${n.alerts.length === 1 ? '' : 's'} still open`;
  const a = n.alerts[0];
  return `nasd ${a.severity}: ${LEAD[n.event]}${a.title}`;
}

function detailLines(a: NoticeAlert): string[] {
  return Object.entries(a.details)
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    .map(([k, v]) => `${k}: ${String(v)}`);
}

/** Plain-text body: per alert its title, state, what to do and facts; then the link. */
export function textOf(n: Notice): string {
  const parts = n.alerts.map((a) => {
    const state = a.state === 'open' ? `open since ${new Date(a.openedAt).toISOString()}` : `resolved at ${new Date(a.closedAt ?? n.sentAt).toISOString()}`;
    return [`${a.title} (${a.severity}, ${state})`, '', a.state === 'open' ? `What to do: ${a.whatToDo}` : 'No action needed any more.', ...detailLines(a)].join('\n');
  });
  if (n.event === 'test') parts.unshift('This is a test notification from nasd: the channel works.');
  if (n.pageUrl) parts.push(`Alerts page: ${n.pageUrl}`);
  return parts.join('\n\n') + '\n';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** A simple HTML body with the same content; every value escaped. */
export function htmlOf(n: Notice): string {
  const items = n.alerts.map((a) => {
    const facts = detailLines(a).map((l) => `<li>${esc(l)}</li>`).join('');
    const todo = a.state === 'open' ? `<p><strong>What to do:</strong> ${esc(a.whatToDo)}</p>` : '<p>No action needed any more.</p>';
    return `<h2>${esc(a.title)}</h2><p>${esc(a.severity)} · ${a.state === 'open' ? 'open' : 'resolved'}</p>${todo}${facts ? `<ul>${facts}</ul>` : ''}`;
  });
  if (n.event === 'test') items.unshift('<p>This is a test notification from nasd: the channel works.</p>');
  if (n.pageUrl) items.push(`<p><a href="${esc(n.pageUrl)}">Open the alerts page</a></p>`);
  return `<!doctype html><html><body>${items.join('')}</body></html>`;
}
