// Power and fans (/power): the CPU power profile, and each fan with its live speed, sensor and curve.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status, formatDate } from '../components/Status.js';
import { CurveChart, CurveEditor } from '../components/FanCurve.js';
import { notify } from '../components/Notice.js';

const PROFILE_WORDS = {
  'power-saving': 'Power saving: lowest clock, least heat and noise.',
  balanced: 'Balanced: the clock follows the load.',
  performance: 'Performance: highest clock all the time.',
};

const mhz = (khz) => (khz === null ? '—' : `${Math.round(khz / 1000).toLocaleString()} MHz`);

function Profiles() {
  const power = useApi('/api/power', { pollMs: 10_000 });
  const [busy, setBusy] = useState(null);
  async function choose(name) {
    setBusy(name);
    try {
      await api('PUT', '/api/power/profile', { profile: name });
      notify(`Power profile: ${name}`);
    } catch (err) {
      notify(`Could not switch to ${name}: ${err.message}`, 'error');
    } finally {
      setBusy(null);
      power.reload();
    }
  }
  const d = power.data;
  return html`<div>
    <h2>CPU power profile ${d && html`<small class="muted">(${d.backend})</small>`}</h2>
    <${Status} ...${power} />
    ${d && html`<p>Active: <strong>${d.profile}</strong>${d.profile === 'custom' ? ' (the CPUs are set in a way no profile matches)' : ''}</p>
      <div class="choices" role="group" aria-label="Power profiles">${d.profiles.map((p) => html`<div class="card profile" key=${p.name}>
        <button class=${d.profile === p.name ? '' : 'secondary'} aria-pressed=${d.profile === p.name} disabled=${!p.available || busy !== null} onClick=${() => choose(p.name)}>
          ${busy === p.name ? 'Switching…' : p.name}</button>
        <p class="muted">${PROFILE_WORDS[p.name]} ${p.available ? `Sets governor ${p.governor}${p.epp ? `, energy preference ${p.epp}` : ''}.` : 'These CPUs offer no governor for it.'}</p>
      </div>`)}</div>
      ${d.cpus[0] && html`<p class="muted">Governors offered: ${d.cpus[0].availableGovernors.join(', ') || 'none'}. Energy preferences offered: ${d.cpus[0].availableEpp.join(', ') || 'none'}.</p>`}
      <div class="table-box" tabindex="0" role="region" aria-label="CPUs"><table class="stacked">
        <thead><tr><th>CPU</th><th>Governor</th><th>Energy preference</th><th>Clock now</th><th>Range</th></tr></thead>
        <tbody>${d.cpus.map((c) => html`<tr key=${c.cpu}><td class="device">CPU ${c.cpu}</td><td data-label="Governor">${c.governor || 'no cpufreq'}</td><td data-label="Energy preference">${c.epp || '—'}</td>
          <td data-label="Clock now">${mhz(c.curKHz)}</td><td data-label="Range">${mhz(c.minKHz)} – ${mhz(c.maxKHz)}</td></tr>`)}</tbody>
      </table></div>`}
  </div>`;
}

function modeText(fan) {
  if (fan.mode === 0) return 'full speed';
  if (fan.mode === 1) return fan.curve ? 'driven by nasd\'s curve' : 'manual';
  if (fan.mode === null) return 'no PWM control';
  return 'chip automatic';
}

function Fan({ fan, sensors, onSaved }) {
  const sensor = fan.curve ? sensors.find((s) => s.id === fan.curve.sensorId) : null;
  return html`<article class=${'card fan' + (fan.failsafe ? ' failsafe' : '')} aria-labelledby=${`fan-${fan.id}`}>
    <h3 id=${`fan-${fan.id}`}>${fan.label} <small class="muted">${fan.id}</small></h3>
    ${fan.failsafe && html`<div class="failsafe-box" role="alert"><strong>FAILSAFE: running at full speed.</strong> ${fan.failsafe.reason} (since ${formatDate(fan.failsafe.since)}). The curve takes over again once the sensor reads well.</div>`}
    <dl class="facts">
      <div><dt>Speed</dt><dd class="fan-rpm">${fan.rpm === null ? '—' : `${fan.rpm.toLocaleString()} rpm`}</dd></div>
      <div><dt>Duty</dt><dd class="fan-duty">${fan.duty === null ? '—' : `${fan.duty} %`}</dd></div>
      <div><dt>Mode</dt><dd>${modeText(fan)}</dd></div>
      ${sensor && html`<div><dt>${sensor.label}</dt><dd>${sensor.celsius === null ? html`<span class="badge bad">read error</span>` : `${sensor.celsius} °C`}</dd></div>`}
    </dl>
    <${CurveChart} fan=${fan} />
    ${fan.controllable
      ? html`<details><summary>Edit the curve</summary><${CurveEditor} fan=${fan} sensors=${sensors} onSaved=${onSaved} /></details>`
      : html`<p class="muted">This fan has no PWM control: nasd can only show its speed.</p>`}
  </article>`;
}

function Fans() {
  const fans = useApi('/api/fans', { pollMs: 3000 });
  const d = fans.data;
  const failing = d ? d.fans.filter((f) => f.failsafe) : [];
  return html`<div>
    <h2>Fans ${d && html`<small class="muted">(${d.backend})</small>`}</h2>
    <${Status} ...${fans} />
    ${failing.length > 0 && html`<p class="failsafe-box" role="alert"><strong>Failsafe:</strong> ${failing.map((f) => f.label).join(', ')} ${failing.length === 1 ? 'runs' : 'run'} at full speed because ${failing.length === 1 ? 'its sensor' : 'their sensors'} cannot be trusted.</p>`}
    ${d && d.fans.length === 0 && html`<p class="empty">No fans found (no hwmon fan inputs).</p>`}
    ${d && html`<div class="grid2">${d.fans.map((f) => html`<${Fan} key=${f.id} fan=${f} sensors=${d.sensors} onSaved=${fans.reload} />`)}</div>
      <h3>Temperature sensors</h3>
      ${d.sensors.length === 0 ? html`<p class="empty">No temperature sensors found.</p>` : html`<ul class="plain">${d.sensors.map((s) => html`<li key=${s.id}>
        <strong>${s.label}</strong> <span class="muted">${s.id}</span>: ${s.celsius === null ? html`<span class="badge bad">read error</span> ${s.error || ''}` : `${s.celsius} °C`}</li>`)}</ul>`}`}
  </div>`;
}

export function Power() {
  return html`<section>
    <h1>Power and fans</h1>
    <${Profiles} />
    <${Fans} />
  </section>`;
}
