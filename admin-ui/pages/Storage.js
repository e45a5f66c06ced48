// RAID arrays and disk health (admin only).
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Status, formatBytes } from '../components/Status.js';
import { ProgressBar } from '../components/ProgressBar.js';

function SyncProgress({ sync }) {
  if (!sync) return html`<span class="muted">idle</span>`;
  return html`<div>${sync.action} ${sync.percent}% (${sync.status})
    <${ProgressBar} label=${`${sync.action} progress`} value=${sync.percent} max=${100} /></div>`;
}

export function Storage() {
  const raid = useApi('/api/raid/arrays', { pollMs: 5000 });
  const smart = useApi('/api/smart/disks', { pollMs: 60_000 });
  return html`<section>
    <h1>Storage health</h1>
    <h3>RAID arrays ${raid.data && html`<small class="muted">(${raid.data.backend})</small>`}</h3>
    <${Status} ...${raid} />
    ${raid.data && html`<div class="table-box" tabindex="0"><table>
      <thead><tr><th>Array</th><th>Level</th><th>State</th><th>Size</th><th>Disks</th><th>Activity</th></tr></thead>
      <tbody>${raid.data.arrays.map((a) => html`<tr key=${a.name}>
        <td>${a.name}</td><td>${a.level}</td>
        <td><span class=${'badge ' + (a.degraded ? 'bad' : 'ok')}>${a.degraded ? 'degraded' : a.state}</span></td>
        <td>${formatBytes(a.sizeBytes)}</td><td>${a.disks.active}/${a.disks.total} active${a.disks.failed ? `, ${a.disks.failed} failed` : ''}</td>
        <td><${SyncProgress} sync=${a.sync} /></td></tr>`)}</tbody></table></div>`}
    <h3>Disks ${smart.data && html`<small class="muted">(${smart.data.backend})</small>`}</h3>
    <${Status} ...${smart} />
    ${smart.data && html`<div class="table-box" tabindex="0"><table>
      <thead><tr><th>Device</th><th>Model</th><th>Health</th><th>Temperature</th><th>Power-on hours</th><th>Reasons</th></tr></thead>
      <tbody>${smart.data.disks.map((d) => html`<tr key=${d.device}>
        <td>${d.device}</td><td>${d.model}</td><td><span class=${'badge ' + d.verdict}>${d.verdict}</span></td>
        <td>${d.temperatureC === null || d.temperatureC === undefined ? '—' : `${d.temperatureC} °C`}</td><td>${d.powerOnHours ?? '—'}</td><td>${d.reasons.join('; ')}</td></tr>`)}</tbody></table></div>`}
  </section>`;
}
