// The administrator's part of the dashboard: capacity, top consumers, health of arrays, disks,
// jobs and alerts (each problem links to the page that explains it), live load charts, uptime.
import { useMemo, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Link } from '../lib/router.js';
import { Status, formatBytes, formatDuration } from './Status.js';
import { UsageBar } from './ProgressBar.js';
import { LineChart } from './Chart.js';

const KIND_WORD = { bad: 'problem', warning: 'attention', ok: 'ok' };

/** One health line: a badge that says its state in words and a link to the explaining page. */
function HealthItem({ kind, text, href }) {
  return html`<li class=${'health ' + kind}><span class=${'badge ' + kind}>${KIND_WORD[kind]}</span>
    ${kind === 'ok' ? html` <span>${text}</span>` : html` <${Link} href=${href}>${text}<//>`}</li>`;
}

function arrayItems(raid) {
  if (!raid) return [];
  if (raid.arrays.length === 0) return [{ kind: 'ok', text: 'No RAID arrays', href: '/storage' }];
  return raid.arrays.map((a) => {
    if (a.degraded || a.disks.failed > 0) return { kind: 'bad', text: `${a.name} (${a.level}) is degraded: ${a.disks.failed} failed, ${a.disks.active}/${a.disks.total} active`, href: '/storage' };
    if (a.sync) return { kind: 'warning', text: `${a.name}: ${a.sync.action} ${a.sync.percent} %`, href: '/storage' };
    return { kind: 'ok', text: `${a.name} (${a.level}) ${a.state}, ${a.disks.active}/${a.disks.total} disks`, href: '/storage' };
  });
}

function diskItems(smart) {
  if (!smart) return [];
  const bad = smart.disks.filter((d) => d.verdict === 'failing' || d.verdict === 'warning' || d.availability !== 'available');
  const items = bad.map((d) => ({
    kind: d.verdict === 'failing' || d.availability !== 'available' ? 'bad' : 'warning',
    text: `${d.device} (${d.model || 'unknown model'}): ${d.availability !== 'available' ? d.availability : d.verdict}${d.reasons.length ? ` — ${d.reasons[0]}` : ''}`,
    href: `/storage/disks/${encodeURIComponent(d.device)}`,
  }));
  const fine = smart.disks.length - bad.length;
  if (fine > 0 || items.length === 0) items.push({ kind: 'ok', text: `${fine} of ${smart.disks.length} disks healthy`, href: '/storage' });
  return items;
}

function jobItems(jobs) {
  if (!jobs) return [];
  const failed = jobs.items.filter((j) => j.lastRun && j.lastRun.status === 'failed');
  const running = jobs.items.filter((j) => j.current);
  const items = failed.map((j) => ({ kind: 'bad', text: `Job ${j.name} failed: ${j.lastRun.message || 'no message'}`, href: '/jobs' }));
  if (running.length) items.push({ kind: 'warning', text: `${running.map((j) => j.name).join(', ')} running`, href: '/jobs' });
  if (items.length === 0) items.push({ kind: 'ok', text: `${jobs.items.length} jobs, none failed on their last run`, href: '/jobs' });
  return items;
}

function alertItems(counts) {
  if (!counts) return [];
  if (counts.open === 0) return [{ kind: 'ok', text: 'No open alerts', href: '/alerts' }];
  return [{ kind: counts.critical > 0 ? 'bad' : 'warning', text: `${counts.open} open alerts (${counts.critical} critical, ${counts.unacknowledged} not acknowledged)`, href: '/alerts' }];
}

function Health() {
  const raid = useApi('/api/raid/arrays', { pollMs: 10_000 });
  const smart = useApi('/api/smart/disks', { pollMs: 60_000 });
  const jobs = useApi('/api/jobs', { pollMs: 15_000 });
  const alerts = useApi('/api/alerts/counts', { pollMs: 15_000 });
  const groups = [['Arrays', raid, arrayItems(raid.data)], ['Disks', smart, diskItems(smart.data)], ['Jobs', jobs, jobItems(jobs.data)], ['Alerts', alerts, alertItems(alerts.data)]];
  return html`<section class="card" aria-labelledby="health-title"><h2 id="health-title">Health</h2>
    ${groups.map(([title, state, items]) => html`<h3>${title}</h3><${Status} ...${state} />
      <ul class="plain health-list">${items.map((i) => html`<${HealthItem} ...${i} />`)}</ul>`)}
  </section>`;
}

function Capacity({ live }) {
  const usage = useApi('/api/usage/users', { pollMs: 30_000 });
  const top = usage.data ? [...usage.data.items].sort((a, b) => b.usedBytes - a.usedBytes).slice(0, 5) : [];
  const fss = live.data ? live.data.sample.filesystems || [] : [];
  return html`<section class="card" aria-labelledby="capacity-title"><h2 id="capacity-title">Capacity</h2>
    <${Status} ...${live} />
    ${live.data && fss.length === 0 && html`<p class="muted">The filesystem size is not known here.</p>`}
    ${fss.map((f) => html`<div class="fs"><${UsageBar} label=${`${f.mount} (${f.fs})`} used=${f.usedBytes} quota=${f.sizeBytes} />
      <p class="muted small">${formatBytes(f.sizeBytes - f.usedBytes)} free</p></div>`)}
    <h3>Top consumers</h3><${Status} ...${usage} />
    ${usage.data && top.length === 0 && html`<p class="muted">No users yet.</p>`}
    <ul class="plain">${top.map((u) => html`<li key=${u.userId}><${UsageBar} label=${u.username} used=${u.usedBytes} quota=${u.quotaBytes} /></li>`)}</ul>
    <p><${Link} href="/users">All users<//></p>
  </section>`;
}

const perSecond = (v) => (v === null || v === undefined ? 0 : Math.round((v / 1024) * 10) / 10);

function LiveCharts() {
  const [from] = useState(() => Date.now() - 3600e3);
  const history = useApi(`/api/telemetry/history?from=${from}&resolution=raw`, { pollMs: 10_000 });
  const points = history.data ? history.data.points : [];
  const labels = useMemo(() => points.map((p) => new Date(p.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })), [points]);
  const sets = useMemo(() => ({
    cpu: [{ name: 'CPU %', values: points.map((p) => Math.round(p.cpuLoadPercent ?? 0)) }],
    mem: [{ name: 'Memory used %', values: points.map((p) => (p.memTotalBytes ? Math.round((100 * (p.memUsedBytes ?? 0)) / p.memTotalBytes) : 0)) }],
    net: [{ name: 'Receive KiB/s', values: points.map((p) => perSecond(p.netRxBps)) }, { name: 'Send KiB/s', values: points.map((p) => perSecond(p.netTxBps)) }],
    disk: [{ name: 'Read KiB/s', values: points.map((p) => perSecond(p.diskReadBps)) }, { name: 'Write KiB/s', values: points.map((p) => perSecond(p.diskWriteBps)) }],
  }), [points]);
  return html`<section class="card" aria-labelledby="load-title"><h2 id="load-title">Load, last hour</h2>
    <${Status} ...${history} />
    <div class="chart-grid">
      <${LineChart} title="CPU" labels=${labels} datasets=${sets.cpu} height=${180} />
      <${LineChart} title="Memory" labels=${labels} datasets=${sets.mem} height=${180} />
      <${LineChart} title="Network" labels=${labels} datasets=${sets.net} height=${180} />
      <${LineChart} title="Disk I/O" labels=${labels} datasets=${sets.disk} height=${180} />
    </div>
    <p><${Link} href="/telemetry">Longer history<//></p>
  </section>`;
}

export function AdminOverview() {
  const live = useApi('/api/telemetry/live', { pollMs: 10_000 });
  const health = useApi('/api/health', { pollMs: 30_000 });
  const s = live.data && live.data.sample;
  return html`<h2 class="section-title">Server</h2>
    <div class="cards">
      <div class="card"><div class="muted">Version and uptime</div><${Status} ...${health} />
        ${health.data && html`<p class="stat">nasd ${health.data.version}</p><p class="muted">up ${formatDuration(health.data.uptimeSeconds)}, ${health.data.database}</p>`}</div>
      <div class="card"><div class="muted">CPU now</div><p class="stat">${s && s.cpuLoadPercent !== null ? `${Math.round(s.cpuLoadPercent)} %` : '—'}</p></div>
      <div class="card"><div class="muted">Memory used</div><p class="stat">${s ? formatBytes(s.memUsedBytes) : '—'}</p>
        <p class="muted">${s && s.memTotalBytes ? `of ${formatBytes(s.memTotalBytes)}` : ''}</p></div>
    </div>
    <div class="grid2"><${Health} /><${Capacity} live=${live} /></div>
    <${LiveCharts} />`;
}
