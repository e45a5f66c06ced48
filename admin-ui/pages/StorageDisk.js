// One disk (/storage/disks/<device>): SMART verdict and reasons, attributes against their
// thresholds, history charts, self-tests and acknowledging a warning.
import { useMemo, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Link } from '../lib/router.js';
import { Status, formatBytes, formatDate } from '../components/Status.js';
import { LineChart } from '../components/Chart.js';
import { notify } from '../components/Notice.js';

/** `null` → "—", else the number with its unit. */
export function orDash(v, unit = '') {
  return v === null || v === undefined ? '—' : `${v.toLocaleString()}${unit}`;
}

/** Counters that predict failure (Backblaze's set and their NVMe/SAS equivalents): charted when the disk has them. */
const CHARTED = ['ata.5', 'ata.197', 'ata.198', 'ata.199', 'nvme.media_errors', 'nvme.percentage_used', 'nvme.available_spare', 'scsi.grown_defects'];

function History({ device, attribute, name }) {
  const h = useApi(`/api/smart/disks/${encodeURIComponent(device)}/history?attribute=${encodeURIComponent(attribute)}&limit=500`);
  const points = h.data ? h.data.points : [];
  const labels = useMemo(() => points.map((p) => formatDate(p.at)), [points]);
  const datasets = useMemo(() => [{ name, values: points.map((p) => p.value) }], [points, name]);
  return html`<div class="card">
    <${Status} ...${h} />
    ${h.data && html`<${LineChart} title=${name} labels=${labels} datasets=${datasets} height=${180} />`}
  </div>`;
}

/** Why an attribute row is highlighted, in words. */
function attributeState(a, findings) {
  const f = findings.find((x) => x.key === a.key);
  if (f) return f.severity;
  if (a.whenFailed) return 'failing';
  if (a.threshold && a.normalized !== undefined && a.normalized <= a.threshold) return 'failing';
  return null;
}

function Attributes({ disk }) {
  if (disk.attributes.length === 0) return html`<p class="empty">This disk reports no SMART attributes.</p>`;
  return html`<div class="table-box" tabindex="0" role="region" aria-label="SMART attributes"><table class="stacked">
    <thead><tr><th>Attribute</th><th>Name</th><th>Raw value</th><th>Normalized</th><th>Worst</th><th>Threshold</th><th>State</th></tr></thead>
    <tbody>${disk.attributes.map((a) => {
      const state = attributeState(a, disk.findings);
      const atThreshold = a.threshold > 0 && a.normalized !== undefined && a.normalized <= a.threshold;
      return html`<tr key=${a.key} class=${state ? 'flag-' + state : ''}>
        <td class="device"><code>${a.key}</code></td><td data-label="Name">${a.name}</td><td data-label="Raw value">${a.value.toLocaleString()}</td>
        <td data-label="Normalized">${orDash(a.normalized)}</td><td data-label="Worst">${orDash(a.worst)}</td>
        <td data-label="Threshold" class=${atThreshold ? 'threshold-hit' : ''}>${orDash(a.threshold)}${atThreshold ? ' (reached)' : ''}</td>
        <td data-label="State">${state ? html`<span class=${'badge ' + state}>${state}</span>` : html`<span class="muted">ok</span>`}</td></tr>`;
    })}</tbody></table></div>`;
}

function Findings({ disk, onChanged }) {
  const [busy, setBusy] = useState(null);
  async function act(method, path, body, done) {
    setBusy(path);
    try {
      await api(method, path, body);
      notify(done);
    } catch (err) {
      notify(err.message, 'error');
    } finally {
      setBusy(null);
      onChanged();
    }
  }
  const base = `/api/smart/disks/${encodeURIComponent(disk.device)}/acknowledgements`;
  if (disk.findings.length === 0) return html`<p class="muted">No attribute is past a warning threshold.</p>`;
  return html`<p class="muted">Acknowledging a warning silences it at the value it has now. If the value grows later, the warning comes back. A failing value cannot be acknowledged.</p>
    <ul class="findings plain">${disk.findings.map((f) => {
      const ack = disk.acknowledged.find((a) => a.attribute === f.key);
      return html`<li key=${f.key} class=${'finding ' + f.severity}>
        <span class=${'badge ' + (ack && ack.active && f.severity === 'warning' ? '' : f.severity)}>${ack && ack.active && f.severity === 'warning' ? 'acknowledged' : f.severity}</span>
        <span><code>${f.key}</code>: ${f.message}</span>
        ${ack && html`<span class="muted">${ack.active
          ? `Acknowledged by ${ack.by} on ${formatDate(ack.at)} at ${ack.value}.`
          : `Acknowledged by ${ack.by} at ${ack.value}, but the value grew to ${ack.currentValue}: warning again.`}</span>`}
        <span class="actions">
          ${f.severity === 'warning' && !(ack && ack.active) && html`<button class="secondary" disabled=${busy === base}
            onClick=${() => act('POST', base, { attribute: f.key }, `${disk.device}: ${f.key} acknowledged at ${f.value}`)}>Acknowledge ${f.key}</button>`}
          ${ack && html`<button class="secondary" disabled=${busy === `${base}/${f.key}`}
            onClick=${() => act('DELETE', `${base}/${f.key}`, undefined, `${disk.device}: the acknowledgement of ${f.key} was withdrawn`)}>Withdraw acknowledgement</button>`}
        </span>
      </li>`;
    })}</ul>`;
}

function SelfTests({ disk, onChanged }) {
  const [busy, setBusy] = useState(false);
  async function start(kind) {
    setBusy(true);
    try {
      await api('POST', `/api/smart/disks/${encodeURIComponent(disk.device)}/self-test`, { kind });
      notify(`A ${kind} self-test started on ${disk.device}`);
    } catch (err) {
      notify(`Could not start a ${kind} self-test on ${disk.device}: ${err.message}`, 'error');
    } finally {
      setBusy(false);
      onChanged();
    }
  }
  const running = disk.selfTestRunning;
  return html`<div>
    ${running
      ? html`<p><span class="badge info">running</span> ${running.type} self-test${running.remainingPercent === null ? '' : `, ${running.remainingPercent} % remaining`}</p>`
      : html`<p class="muted">No self-test running. A short test takes minutes; a long one reads the whole disk and can take hours. Both run inside the disk while it keeps serving.</p>`}
    <div class="actions">
      <button class="secondary" disabled=${busy || !!running} onClick=${() => start('short')}>Start short self-test</button>
      <button class="secondary" disabled=${busy || !!running} onClick=${() => start('long')}>Start long self-test</button>
    </div>
    ${disk.selfTests.length === 0
      ? html`<p class="muted">The self-test log is empty.</p>`
      : html`<div class="table-box" tabindex="0" role="region" aria-label="Self-test log"><table>
        <thead><tr><th>Test</th><th>Result</th><th>At power-on hour</th></tr></thead>
        <tbody>${disk.selfTests.map((t, i) => html`<tr key=${i}><td>${t.type}</td>
          <td><span class=${'badge ' + (t.passed === false ? 'failing' : t.passed ? 'ok' : '')}>${t.passed === false ? 'failed' : t.passed ? 'passed' : 'unknown'}</span> ${t.status}</td>
          <td>${orDash(t.lifetimeHours)}</td></tr>`)}</tbody></table></div>`}
  </div>`;
}

export function StorageDisk({ device }) {
  const res = useApi(`/api/smart/disks/${encodeURIComponent(device)}`, { pollMs: 10_000 });
  const disk = res.data;
  // Bumped after a scan so the history charts load again.
  const [scans, setScans] = useState(0);
  async function scanNow() {
    try {
      await api('POST', '/api/smart/scan');
      notify('Every disk was read into the history');
      setScans(scans + 1);
    } catch (err) {
      notify(`Could not read the disks: ${err.message}`, 'error');
    }
  }
  const charted = useMemo(() => {
    if (!disk) return [];
    const keys = new Set(disk.findings.map((f) => f.key));
    const out = [{ key: 'temperature', name: 'Temperature °C' }];
    for (const a of disk.attributes) if (CHARTED.includes(a.key) || keys.has(a.key)) out.push({ key: a.key, name: `${a.name} (${a.key})` });
    return out;
  }, [disk && disk.device, disk && disk.attributes.map((a) => a.key).join(), disk && disk.findings.map((f) => f.key).join()]);
  if (res.error && res.error.status === 404) {
    return html`<section><h1>Disk not found</h1>
      <p class="error" role="alert">${res.error.message}</p>
      <p><${Link} href="/storage">Back to storage<//></p></section>`;
  }
  return html`<section>
    <p><${Link} href="/storage">← Storage<//></p>
    <div class="page-head"><h1>Disk ${device}</h1>${disk && html`<span class=${'badge big ' + disk.verdict}>SMART: ${disk.verdict}</span>`}</div>
    <${Status} ...${res} />
    ${disk && html`
      <div class="cards">
        <div class="card"><div class="muted">Model</div><div>${disk.model || '—'}</div><div class="muted">Serial ${disk.serial || '—'} · ${disk.protocol.toUpperCase()} · ${formatBytes(disk.capacityBytes)}</div></div>
        <div class="card"><div class="muted">Temperature</div><div class="stat">${orDash(disk.temperatureC, ' °C')}</div></div>
        <div class="card"><div class="muted">Power-on hours</div><div class="stat">${orDash(disk.powerOnHours)}</div>
          <div class="muted">${disk.powerOnHours === null ? '' : `about ${(disk.powerOnHours / 8766).toFixed(1)} years`}</div></div>
      </div>
      <h2>Verdict</h2>
      ${disk.reasons.length === 0 ? html`<p>Nothing predicts a failure${disk.availability === 'available' ? '' : ` (${disk.availability})`}.</p>`
        : html`<ul>${disk.reasons.map((r) => html`<li>${r}</li>`)}</ul>`}
      <h2>Warnings</h2>
      <${Findings} disk=${disk} onChanged=${res.reload} />
      <h2>Attributes</h2>
      <${Attributes} disk=${disk} />
      <h2>History</h2>
      <p class="muted">One point per SMART scan: the daily smart.scan job, or <button class="link" onClick=${scanNow}>read every disk now</button>.</p>
      <div class="grid2">${charted.map((c) => html`<${History} key=${`${c.key}-${scans}`} device=${device} attribute=${c.key} name=${c.name} />`)}</div>
      <h2>Self-tests</h2>
      <${SelfTests} disk=${disk} onChanged=${res.reload} />`}
  </section>`;
}
