// Storage (/storage): md arrays with their actions and the disks' health; /storage/disks/<device>
// is one disk's detail (StorageDisk.js).
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Link } from '../lib/router.js';
import { Status } from '../components/Status.js';
import { RaidArrayCard } from '../components/RaidArray.js';
import { StorageDisk, orDash } from './StorageDisk.js';

const DISK_PAGE = /^\/storage\/disks\/([^/]+)\/?$/;

function Arrays() {
  // Sync progress is live: a short poll while the page is visible.
  const raid = useApi('/api/raid/arrays', { pollMs: 2000 });
  const free = useApi('/api/raid/candidates', { pollMs: 10_000 });
  const reload = () => { raid.reload(); free.reload(); };
  return html`<div>
    <h2>RAID arrays ${raid.data && html`<small class="muted">(${raid.data.backend})</small>`}</h2>
    <${Status} ...${raid} />
    ${raid.data && raid.data.arrays.length === 0 && html`<p class="empty">No md arrays on this machine.</p>`}
    ${raid.data && raid.data.arrays.map((a) => html`<${RaidArrayCard} key=${a.name} array=${a} candidates=${free.data ? free.data.devices : []} onChanged=${reload} />`)}
    ${free.error && html`<p class="error" role="alert">Free disks could not be listed: ${free.error.message}</p>`}
  </div>`;
}

function Disks() {
  const smart = useApi('/api/smart/disks', { pollMs: 30_000 });
  return html`<div>
    <h2>Disks ${smart.data && html`<small class="muted">(${smart.data.backend})</small>`}</h2>
    <${Status} ...${smart} />
    ${smart.data && smart.data.disks.length === 0 && html`<p class="empty">No disks found.</p>`}
    ${smart.data && smart.data.disks.length > 0 && html`<div class="table-box" tabindex="0" role="region" aria-label="Disks"><table class="stacked">
      <thead><tr><th>Device</th><th>Model</th><th>Health</th><th>Temperature</th><th>Power-on hours</th><th>Reasons</th></tr></thead>
      <tbody>${smart.data.disks.map((d) => html`<tr key=${d.device}>
        <td class="device"><${Link} href=${`/storage/disks/${encodeURIComponent(d.device)}`}>${d.device}<//></td><td data-label="Model">${d.model || '—'}</td>
        <td data-label="Health"><span class=${'badge ' + d.verdict}>${d.verdict}</span>${d.acknowledged.some((a) => a.active) ? html` <span class="badge">acknowledged</span>` : ''}</td>
        <td data-label="Temperature">${orDash(d.temperatureC, ' °C')}</td><td data-label="Power-on hours">${orDash(d.powerOnHours)}</td><td data-label="Reasons">${d.reasons.join('; ') || '—'}</td></tr>`)}</tbody></table></div>`}
  </div>`;
}

export function Storage({ path }) {
  const disk = DISK_PAGE.exec(path);
  if (disk) return html`<${StorageDisk} device=${decodeURIComponent(disk[1])} />`;
  return html`<section>
    <h1>Storage health</h1>
    <${Arrays} />
    <${Disks} />
  </section>`;
}
