// System telemetry: CPU, memory and network over the last hour, from the stored samples.
import { useMemo, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Status, formatBytes } from '../components/Status.js';
import { LineChart } from '../components/Chart.js';

const RANGES = { '1 hour': 3600e3, '24 hours': 86400e3, '7 days': 7 * 86400e3 };

function series(points, pick) {
  return points.map((p) => { const v = pick(p); return v === null || Number.isNaN(v) ? 0 : Math.round(v * 10) / 10; });
}

export function Telemetry() {
  const [range, setRange] = useState('1 hour');
  const from = useMemo(() => Date.now() - RANGES[range], [range]);
  const live = useApi('/api/telemetry/live', { pollMs: 10_000 });
  const history = useApi(`/api/telemetry/history?from=${from}`);
  const points = history.data ? history.data.points : [];
  const labels = useMemo(() => points.map((p) => new Date(p.at).toLocaleTimeString()), [points]);
  const cpu = useMemo(() => [{ name: 'CPU %', values: series(points, (p) => p.cpuLoadPercent) }], [points]);
  const mem = useMemo(() => [{ name: 'Memory used GiB', values: series(points, (p) => (p.memUsedBytes === null ? null : p.memUsedBytes / 1024 ** 3)) }], [points]);
  const net = useMemo(() => [
    { name: 'Receive KiB/s', values: series(points, (p) => p.netRxBps === null ? null : p.netRxBps / 1024) },
    { name: 'Send KiB/s', values: series(points, (p) => p.netTxBps === null ? null : p.netTxBps / 1024) },
  ], [points]);
  return html`<section>
    <h1>Telemetry</h1>
    <form class="inline" onSubmit=${(e) => e.preventDefault()}>
      <label>Range <select name="range" value=${range} onChange=${(e) => setRange(e.target.value)}>
        ${Object.keys(RANGES).map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
    </form>
    <${Status} ...${live} />
    ${live.data && html`<div class="cards">
      <div class="card"><div class="muted">CPU now (${live.data.backend})</div><div class="stat">${live.data.sample.cpuLoadPercent === null ? '—' : Math.round(live.data.sample.cpuLoadPercent) + ' %'}</div></div>
      <div class="card"><div class="muted">Memory used</div><div class="stat">${formatBytes(live.data.sample.memUsedBytes)}</div></div>
      <div class="card"><div class="muted">Filesystem used</div><div class="stat">${formatBytes(live.data.sample.fsUsedBytes)}</div>
        <div class="muted">of ${formatBytes(live.data.sample.fsSizeBytes)}</div></div>
    </div>`}
    <${Status} ...${history} />
    <div class="card"><${LineChart} title="CPU load" labels=${labels} datasets=${cpu} /></div>
    <div class="card"><${LineChart} title="Memory" labels=${labels} datasets=${mem} /></div>
    <div class="card"><${LineChart} title="Network" labels=${labels} datasets=${net} /></div>
  </section>`;
}
