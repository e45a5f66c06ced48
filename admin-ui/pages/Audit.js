// Audit log with filters and paging (admin only).
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Status } from '../components/Status.js';

const PAGE = 50;

export function Audit() {
  const [filter, setFilter] = useState({ actor: '', action: '' });
  const [page, setPage] = useState(0);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(page * PAGE) });
  if (filter.actor) query.set('actor', filter.actor);
  if (filter.action) query.set('action', filter.action);
  const log = useApi(`/api/audit?${query}`);
  const items = log.data ? log.data.items : [];
  const total = log.data ? log.data.total : 0;
  const field = (name) => (e) => { setPage(0); setFilter({ ...filter, [name]: e.target.value }); };
  return html`<section>
    <h1>Audit log</h1>
    <form class="inline" onSubmit=${(e) => e.preventDefault()}>
      <label>User <input name="actor" value=${filter.actor} onChange=${field('actor')} /></label>
      <label>Action starts with <input name="action" value=${filter.action} onChange=${field('action')} /></label>
    </form>
    <${Status} ...${log} />
    <div class="table-box" tabindex="0"><table>
      <thead><tr><th>Time</th><th>User</th><th>Action</th><th>Target</th><th>Outcome</th><th>Address</th></tr></thead>
      <tbody>${items.map((e) => html`<tr key=${e.id}>
        <td>${new Date(e.at).toLocaleString()}</td><td>${e.actorName || '—'}</td><td>${e.action}</td><td>${e.target || ''}</td>
        <td><span class=${'badge ' + (e.outcome === 'success' ? 'ok' : 'bad')}>${e.outcome}</span></td><td>${e.address || ''}</td></tr>`)}
      </tbody>
    </table></div>
    <p class="muted">${total} entries.
      <button class="secondary" disabled=${page === 0} onClick=${() => setPage(page - 1)}>Newer</button>
      <button class="secondary" disabled=${(page + 1) * PAGE >= total} onClick=${() => setPage(page + 1)}>Older</button></p>
  </section>`;
}
