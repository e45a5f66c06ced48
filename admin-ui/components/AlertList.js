// The Alerts page's lists: open alerts with what to do and acknowledge, and the closed history.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { refreshAlertCounts } from '../lib/alert-counts.js';
import { Link } from '../lib/router.js';
import { Status } from './Status.js';
import { Pager } from './Pager.js';
import { notify } from './Notice.js';

const OPEN_PAGE = 50;
const HISTORY_PAGE = 20;
const SEVERITY_BADGE = { critical: 'bad', warning: 'warning', info: 'info' };

export const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');

/** A severity as a badge with its word (never colour alone). */
export function Severity({ severity }) {
  return html`<span class=${'badge ' + SEVERITY_BADGE[severity]}>${severity}</span>`;
}

/** The page that explains an alert, from its rule and key, or null. */
export function explainedAt(alert, isAdmin) {
  const [family, name] = alert.ruleId.split('.');
  if (family === 'raid' || alert.ruleId.startsWith('storage.filesystem')) return { href: '/storage', label: 'Storage health' };
  if (family === 'smart') return { href: `/storage/disks/${encodeURIComponent(alert.key)}`, label: `Disk ${alert.key}` };
  if (family === 'scheduler') return { href: '/jobs', label: 'Jobs' };
  if (family === 'smb') return { href: '/smb', label: 'SMB' };
  if (family === 'fans') return { href: '/power', label: 'Power and fans' };
  if (family === 'security') return { href: '/audit', label: 'Audit log' };
  if (name && name.startsWith('quota')) return isAdmin ? { href: '/users', label: 'Users' } : { href: '/files', label: 'Files' };
  return null;
}

function OpenAlert({ alert, isAdmin, onAcked }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const page = explainedAt(alert, isAdmin);
  async function ack() {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/alerts/${alert.id}/ack`);
      notify(`Acknowledged: ${alert.title}`);
      onAcked();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  const titleId = `alert-${alert.id}`;
  return html`<article class=${'card alert ' + alert.severity} aria-labelledby=${titleId}>
    <div class="alert-head"><${Severity} severity=${alert.severity} /><h3 id=${titleId}>${alert.title}</h3></div>
    <p>${alert.whatToDo}</p>
    <dl class="facts">
      <dt>Since</dt><dd>${when(alert.openedAt)}</dd>
      <dt>Last seen</dt><dd>${when(alert.lastSeenAt)}</dd>
      <dt>Acknowledged</dt><dd>${alert.ackedAt ? `by ${alert.ackedBy}, ${when(alert.ackedAt)}` : 'not yet'}</dd>
    </dl>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions">
      ${page && html`<${Link} class="button-link" href=${page.href}>Open ${page.label}<span class="sr-only"> for ${alert.title}</span><//>`}
      ${!alert.ackedAt && html`<button type="button" disabled=${busy} onClick=${ack}>${busy ? 'Acknowledging…' : 'Acknowledge'}<span class="sr-only"> ${alert.title}</span></button>`}
    </div>
  </article>`;
}

/** Open alerts, newest first; acknowledging one reloads the list and the nav badge. */
export function OpenAlerts({ isAdmin, onChanged }) {
  const [page, setPage] = useState(0);
  const list = useApi(`/api/alerts?state=open&limit=${OPEN_PAGE}&offset=${page * OPEN_PAGE}`, { pollMs: 15_000 });
  const items = list.data ? list.data.items : [];
  const acked = () => { list.reload(); refreshAlertCounts(); onChanged(); };
  return html`<section aria-labelledby="open-title">
    <h2 id="open-title">Open alerts${list.data ? ` (${list.data.total})` : ''}</h2>
    <${Status} ...${list} />
    ${list.data && items.length === 0 && html`<p class="empty muted">No open alerts: everything nasd watches is fine.</p>`}
    <div class="alert-list">${items.map((a) => html`<${OpenAlert} key=${a.id} alert=${a} isAdmin=${isAdmin} onAcked=${acked} />`)}</div>
    <${Pager} page=${page} pageSize=${OPEN_PAGE} total=${list.data ? list.data.total : 0} onPage=${setPage} label="Open alert pages" />
  </section>`;
}

/** Closed alerts with paging; `refreshKey` changes when an acknowledgement may have closed one. */
export function AlertHistory({ isAdmin, refreshKey }) {
  const [page, setPage] = useState(0);
  const history = useApi(`/api/alerts?state=closed&limit=${HISTORY_PAGE}&offset=${page * HISTORY_PAGE}`, { pollMs: 30_000 });
  useEffect(() => { if (refreshKey) history.reload(); }, [refreshKey]);
  const items = history.data ? history.data.items : [];
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title" class="section-title">History</h2>
    <${Status} ...${history} />
    ${history.data && items.length === 0 && html`<p class="empty muted">No closed alerts yet.</p>`}
    ${items.length > 0 && html`<div class="table-box" tabindex="0" role="region" aria-label="Closed alerts"><table class="cards-on-phone">
      <thead><tr><th scope="col">Alert</th><th scope="col">Severity</th><th scope="col">Opened</th><th scope="col">Closed</th><th scope="col">Acknowledged</th></tr></thead>
      <tbody>${items.map((a) => {
        const page = explainedAt(a, isAdmin);
        return html`<tr key=${a.id}>
          <td>${page ? html`<${Link} href=${page.href}>${a.title}<//>` : a.title}</td>
          <td data-label="Severity"><${Severity} severity=${a.severity} /></td>
          <td data-label="Opened" class="date">${when(a.openedAt)}</td>
          <td data-label="Closed" class="date">${when(a.closedAt)}</td>
          <td data-label="Acknowledged">${a.ackedBy ? `by ${a.ackedBy}` : 'no'}</td></tr>`;
      })}</tbody>
    </table></div>`}
    <${Pager} page=${page} pageSize=${HISTORY_PAGE} total=${history.data ? history.data.total : 0} onPage=${setPage} label="History pages" />
  </section>`;
}
