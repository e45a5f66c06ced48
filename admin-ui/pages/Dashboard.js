// Overview: server health and the signed-in user's account.
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Status, formatBytes } from '../components/Status.js';

export function Dashboard({ user }) {
  const health = useApi('/api/health');
  return html`<section>
    <h2>Dashboard</h2>
    <${Status} ...${health} />
    <div class="cards">
      ${health.data && html`<div class="card"><div class="muted">Server</div><div class="stat">${health.data.status}</div>
        <div class="muted">nasd ${health.data.version}, ${health.data.database}, up ${Math.round(health.data.uptimeSeconds / 60)} min</div></div>`}
      <div class="card"><div class="muted">Your quota</div><div class="stat">${formatBytes(user.quotaBytes)}</div>
        <div class="muted">Map <code>${location.origin}/dav/</code> as a network drive with your user name and an app password.</div></div>
    </div>
  </section>`;
}
