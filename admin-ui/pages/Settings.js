// Settings (/settings, admin): the configuration in effect (read-only: it comes from the
// environment or the NASD_CONFIG file), the metrics scrape token, telemetry retention, and every
// user's sessions with revoke.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status, formatDate } from '../components/Status.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { notify } from '../components/Notice.js';
import { device } from './Account.js';

function shown(s) {
  if (s.secret) return s.value ? 'set (hidden)' : 'not set';
  if (s.value === null) return 'not set';
  if (Array.isArray(s.value)) return s.value.length ? s.value.join(', ') : '(empty)';
  return String(s.value);
}

/** The group of a setting: its top-level section, or "general" for top-level settings. */
const groupOf = (s) => (s.setting.includes('.') ? s.setting.split('.')[0] : 'general');

function SettingsTable({ rows, label }) {
  return html`<div class="table-box" tabindex="0" role="region" aria-label=${label}><table class="settings cards-on-phone">
    <thead><tr><th scope="col">Setting</th><th scope="col">Environment variable</th><th scope="col">Value</th></tr></thead>
    <tbody>${rows.map((s) => html`<tr key=${s.setting}><td><code>${s.setting}</code></td>
      <td data-label="Variable">${s.env ? html`<code>${s.env}</code>` : html`<span class="muted">file only</span>`}</td>
      <td class="value" data-label="Value">${shown(s)}</td></tr>`)}</tbody>
  </table></div>`;
}

function Configuration({ settings }) {
  const [filter, setFilter] = useState('');
  const f = filter.trim().toLowerCase();
  const rows = settings.filter((s) => !f || s.setting.toLowerCase().includes(f) || (s.env || '').toLowerCase().includes(f) || shown(s).toLowerCase().includes(f));
  const groups = [...new Set(rows.map(groupOf))].sort((a, b) => (a === 'general' ? -1 : b === 'general' ? 1 : a.localeCompare(b)));
  return html`<section class="card" aria-labelledby="config-title">
    <h2 id="config-title">Configuration <span class="badge">read-only</span></h2>
    <p class="muted">These come from environment variables or the JSON file named by NASD_CONFIG (environment wins). Change them there and restart nasd; they cannot be changed from this page. Secrets only say whether they are set.</p>
    <label class="filter">Filter <input name="settingsFilter" type="search" value=${filter} onInput=${(e) => setFilter(e.target.value)} placeholder="e.g. smb, NASD_PORT" /></label>
    ${groups.map((g) => {
      const inGroup = rows.filter((s) => groupOf(s) === g);
      return html`<details key=${g} class="settings-group" open=${g === 'general' || f !== ''}>
        <summary>${g} <span class="muted">(${inGroup.length})</span></summary>
        <${SettingsTable} rows=${inGroup} label=${`Settings: ${g}`} />
      </details>`;
    })}
    ${rows.length === 0 && html`<p class="muted">No setting matches “${filter}”.</p>`}
  </section>`;
}

function Monitoring({ data }) {
  const byName = new Map(data.settings.map((s) => [s.setting, s]));
  const token = byName.get('metricsToken');
  const interval = byName.get('hardware.telemetryIntervalSeconds');
  const r = data.telemetryRetentionSeconds;
  return html`<section class="card" aria-labelledby="metrics-title">
    <h2 id="metrics-title">Metrics and telemetry</h2>
    <h3>Prometheus scrape token</h3>
    <p>${token && token.value ? html`<span class="badge ok">set</span> A scraper may read <code>/metrics</code> with <code>${'Authorization: Bearer <token>'}</code>.` : html`<span class="badge">not set</span> Only administrators' access tokens can read <code>/metrics</code>.`}</p>
    <p class="muted">The token is set with NASD_METRICS_TOKEN (at least 16 characters) and never shown; to rotate it, change the variable and restart nasd.</p>
    <h3>Telemetry</h3>
    <p>Sampled every ${interval && interval.value ? `${interval.value} s` : '— (sampling is off)'}; kept raw for ${Math.round(r.raw / 3600)} hours, as minute averages for ${Math.round(r.minute / 86400)} days and as hourly averages for ${Math.round(r.hour / 86400)} days (built in).</p>
  </section>`;
}

function AllSessions() {
  const list = useApi('/api/sessions', { pollMs: 30_000 });
  const [confirm, setConfirm] = useState(null);
  const items = list.data ? list.data.items : [];
  return html`<section class="card" aria-labelledby="all-sessions-title">
    <h2 id="all-sessions-title">Sessions of all users</h2>
    <p class="muted">Web UI and API sign-ins. Ending one signs that browser out at once (WebDAV and SMB use passwords, not sessions: reset the password or revoke app passwords for those).</p>
    <${Status} ...${list} />
    ${list.data && items.length === 0 && html`<p class="muted">Nobody is signed in.</p>`}
    ${items.length > 0 && html`<div class="table-box" tabindex="0" role="region" aria-label="Sessions of all users"><table class="cards-on-phone">
      <thead><tr><th scope="col">User</th><th scope="col">Device</th><th scope="col">Address</th><th scope="col">Signed in</th><th scope="col">Last active</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${items.map((s) => html`<tr key=${s.id}><td><strong>${s.username}</strong></td><td data-label="Device">${device(s.userAgent)} ${s.current && html`<span class="badge ok">this browser</span>`}</td>
        <td data-label="Address">${s.address || '—'}</td><td data-label="Signed in">${formatDate(s.startedAt)}</td><td data-label="Last active">${formatDate(s.lastUsedAt)}</td>
        <td>${s.current ? html`<span class="muted small">use Sign out</span>` : html`<button class="secondary" onClick=${() => setConfirm(s)}>End session</button>`}</td></tr>`)}</tbody>
    </table></div>`}
    ${confirm && html`<${ConfirmDialog} title=${`End a session of ${confirm.username}?`} confirmLabel="End session"
      message=${`${confirm.username} is signed out on ${device(confirm.userAgent)}${confirm.address ? ` (${confirm.address})` : ''} at once and must sign in again there. Their other sessions stay.`}
      onConfirm=${async () => { await api('DELETE', `/api/sessions/${confirm.id}`); notify(`Ended the session of ${confirm.username}`); list.reload(); }}
      onClose=${() => setConfirm(null)} />`}
  </section>`;
}

export function Settings() {
  const settings = useApi('/api/settings');
  return html`<section>
    <h1>Settings</h1>
    <${Status} ...${settings} />
    ${settings.data && html`<div class="grid2"><${Monitoring} data=${settings.data} /><${AllSessions} /></div>
      <${Configuration} settings=${settings.data.settings} />`}
  </section>`;
}
