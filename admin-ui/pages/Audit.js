// Audit log (/audit, admin): filters by user, action, outcome, protocol and dates, paging, and a CSV
// export of exactly the filtered entries (made by the server, which defuses spreadsheet formulas).
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { useSubmit } from '../lib/use-submit.js';
import { saveFromApi } from '../lib/download.js';
import { Status } from '../components/Status.js';
import { Pager } from '../components/Pager.js';
import { notify } from '../components/Notice.js';

const PAGE = 50;
const PROTOCOLS = ['api', 'webdav', 'tus', 'smb', 'cli', 'system'];
const EMPTY = { actor: '', action: '', outcome: '', protocol: '', from: '', to: '' };

/** `YYYY-MM-DD` of a date input → epoch ms at the start (or end) of that local day. */
function dayBound(value, end) {
  const [y, m, d] = value.split('-').map(Number);
  return String(end ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime());
}

/** The filters as the API's query (the same for the list and the export). */
function filterQuery(filter) {
  const q = new URLSearchParams();
  for (const key of ['actor', 'action', 'outcome', 'protocol']) if (filter[key].trim()) q.set(key, filter[key].trim());
  if (filter.from) q.set('from', dayBound(filter.from, false));
  if (filter.to) q.set('to', dayBound(filter.to, true));
  return q;
}

function Details({ details }) {
  if (!details) return '';
  const text = JSON.stringify(details);
  return html`<code class="details">${text.length > 160 ? text.slice(0, 160) + '…' : text}</code>`;
}

export function Audit() {
  const [filter, setFilter] = useState(EMPTY);
  const [page, setPage] = useState(0);
  const query = filterQuery(filter);
  const list = new URLSearchParams(query);
  list.set('limit', String(PAGE));
  list.set('offset', String(page * PAGE));
  const log = useApi(`/api/audit?${list}`, { pollMs: 15_000 });
  const items = log.data ? log.data.items : [];
  const total = log.data ? log.data.total : 0;
  const field = (name) => (e) => { setPage(0); setFilter({ ...filter, [name]: e.target.value }); };
  const filtered = Object.values(filter).some((v) => v.trim() !== '');
  const exporter = useSubmit(async () => {
    await saveFromApi(`/api/audit.csv?${query}`, `nasd-audit-${new Date().toISOString().slice(0, 10)}.csv`);
    notify(`Exported ${total} ${total === 1 ? 'entry' : 'entries'} as CSV`);
  });
  const badDates = filter.from && filter.to && filter.from > filter.to;
  return html`<section>
    <h1>Audit log</h1>
    <form class="inline filters" onSubmit=${exporter.submit} aria-label="Filter the audit log">
      <label>User <input name="actor" value=${filter.actor} onChange=${field('actor')} autocomplete="off" /></label>
      <label>Action starts with <input name="action" value=${filter.action} onChange=${field('action')} placeholder="auth." autocomplete="off" /></label>
      <label>Outcome <select name="outcome" value=${filter.outcome} onChange=${field('outcome')}>
        <option value="">any</option><option value="success">success</option><option value="failure">failure</option></select></label>
      <label>Protocol <select name="protocol" value=${filter.protocol} onChange=${field('protocol')}>
        <option value="">any</option>${PROTOCOLS.map((p) => html`<option value=${p}>${p}</option>`)}</select></label>
      <label>From <input name="from" type="date" value=${filter.from} onChange=${field('from')} /></label>
      <label>To <input name="to" type="date" value=${filter.to} onChange=${field('to')} /></label>
      <div class="actions">
        <button type="button" class="secondary" disabled=${!filtered} onClick=${() => { setPage(0); setFilter(EMPTY); }}>Clear filters</button>
        <button type="submit" disabled=${exporter.busy || total === 0}>${exporter.busy ? 'Exporting…' : `Export ${filtered ? 'filtered ' : ''}as CSV`}</button>
      </div>
    </form>
    ${badDates && html`<p class="error" role="alert">"From" is after "To": no entry can match.</p>`}
    ${exporter.error && html`<p class="error" role="alert">Export failed: ${exporter.error}</p>`}
    <${Status} ...${log} />
    ${log.data && items.length === 0 && html`<p class="empty muted">${filtered ? 'No entries match these filters.' : 'The audit log is empty.'}</p>`}
    ${items.length > 0 && html`<div class="table-box" tabindex="0" role="region" aria-label="Audit entries"><table class="audit cards-on-phone">
      <thead><tr><th scope="col">Time</th><th scope="col">User</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Protocol</th><th scope="col">Address</th><th scope="col">Details</th></tr></thead>
      <tbody>${items.map((e) => html`<tr key=${e.id}>
        <td class="date">${new Date(e.at).toLocaleString()}</td><td data-label="User">${e.actorName || '—'}</td><td data-label="Action">${e.action}</td><td data-label="Target" class="path">${e.target || '—'}</td>
        <td data-label="Outcome"><span class=${'badge ' + (e.outcome === 'success' ? 'ok' : 'bad')}>${e.outcome}</span></td><td data-label="Protocol">${e.protocol}</td><td data-label="Address">${e.address || '—'}</td>
        <td data-label="Details"><${Details} details=${e.details} /></td></tr>`)}
      </tbody>
    </table></div>`}
    <${Pager} page=${page} pageSize=${PAGE} total=${total} onPage=${setPage} label="Audit pages" />
  </section>`;
}
