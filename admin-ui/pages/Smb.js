// SMB (/smb, admin): whether Samba serves nasd's shares and why not, the on/off switch, the last
// validation and reload with testparm's message, "Regenerate now", per-share and per-user state,
// and the generated include file, read-only.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useSubmit } from '../lib/use-submit.js';
import { Status } from '../components/Status.js';
import { Switch } from '../components/Switch.js';
import { notify } from '../components/Notice.js';

const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
const yes = (v, word) => (v ? html`<span class="badge ok">${word}</span>` : html`<span class="badge">no</span>`);

/** Why SMB is off, in words, with what to do about it. */
function OffReason({ status }) {
  if (status.offReason === 'not-installed') {
    return html`<div class="warning-box" role="status"><p><strong>Samba is not installed on this machine.</strong>${' '}Install it (<code>apt-get install samba</code>), add the include line to smb.conf and turn SMB on here.</p>
      ${status.samba.message && html`<p class="small">What nasd found: ${status.samba.message}</p>`}</div>`;
  }
  if (status.offReason === 'config') {
    return html`<p class="warning-box" role="status"><strong>SMB is off in nasd's configuration</strong> (<code>NASD_SMB=off</code>). Set it to <code>auto</code> or <code>on</code> and restart nasd, or turn it on here.</p>`;
  }
  if (status.offReason === 'admin') {
    return html`<p class="warning-box" role="status"><strong>An administrator turned SMB off.</strong> Samba runs an include without nasd's shares until it is turned on again.</p>`;
  }
  return null;
}

/** The last validation (testparm) and installation/reload, with testparm's own words. */
function LastResult({ result }) {
  if (!result) return html`<p class="muted">Nothing was generated yet.</p>`;
  const ok = result.installed && result.reloaded && !result.error;
  return html`<div class="last-result">
    <p><span class=${'badge ' + (ok ? 'ok' : 'bad')}>${ok ? 'installed and reloaded' : result.installed ? 'installed, reload failed' : 'refused'}</span> ${when(result.at)}</p>
    ${result.error && html`<p class="error">${result.error}</p>`}
    ${result.testparm && html`<pre class="code scroll" tabindex="0" role="region" aria-label="testparm output">${result.testparm}</pre>`}
  </div>`;
}

function Shares({ shares }) {
  if (shares.length === 0) return html`<p class="empty muted">No shares: only each user's home is served.</p>`;
  return html`<div class="table-box" tabindex="0" role="region" aria-label="SMB shares"><table class="cards-on-phone">
    <thead><tr><th scope="col">Share</th><th scope="col">May read</th><th scope="col">May write</th><th scope="col">Listed</th><th scope="col">Recycle bin</th><th scope="col">Time Machine</th></tr></thead>
    <tbody>${shares.map((s) => html`<tr key=${s.name}>
      <td><strong>${s.name}</strong></td>
      <td data-label="May read">${s.readers.length ? s.readers.join(', ') : 'nobody'}</td>
      <td data-label="May write">${s.writers.length ? s.writers.join(', ') : 'nobody'}</td>
      <td data-label="Listed">${yes(s.browseable, 'listed')}</td>
      <td data-label="Recycle bin">${yes(s.recycleBin, 'on')}</td>
      <td data-label="Time Machine">${yes(s.timeMachine, 'on')}</td></tr>`)}
    </tbody></table></div>`;
}

function Users({ users }) {
  return html`<div class="table-box" tabindex="0" role="region" aria-label="SMB users"><table class="cards-on-phone">
    <thead><tr><th scope="col">User</th><th scope="col">Samba account</th><th scope="col">State</th><th scope="col">Last account sync</th></tr></thead>
    <tbody>${users.map((u) => html`<tr key=${u.username}>
      <td><strong>${u.username}</strong></td>
      <td data-label="Samba account">${u.account || html`<span class="muted">none</span>`}</td>
      <td data-label="State">${u.disabled ? html`<span class="badge bad">disabled</span>` : u.readOnly ? html`<span class="badge warning">read-only (over quota)</span>` : html`<span class="badge ok">active</span>`}
        ${u.needsAppPassword && html` <span class="badge info">needs an SMB app password (2FA on)</span>`}</td>
      <td data-label="Last account sync">${u.lastSync ? html`${u.lastSync.action}, ${when(u.lastSync.at)}${u.lastSync.error ? html`<div class="error small">${u.lastSync.error}</div>` : ''}` : '—'}</td></tr>`)}
    </tbody></table></div>`;
}

export function Smb() {
  const smb = useApi('/api/smb', { pollMs: 15_000 });
  const config = useApi('/api/smb/config');
  const [regenerated, setRegenerated] = useState(null);
  const s = smb.data;
  const reload = () => { smb.reload(); config.reload(); };
  const regenerate = useSubmit(async () => {
    setRegenerated(null);
    const status = await api('POST', '/api/smb/regenerate');
    setRegenerated(status.lastResult || null);
    reload();
  });
  async function toggle(enabled) {
    const status = await api('PUT', '/api/smb', { enabled });
    if (status.enabled !== enabled) throw new Error(enabled ? 'Samba could not be turned on (see the reason above)' : 'SMB is still on');
    notify(`SMB is ${enabled ? 'on' : 'off'}`);
    reload();
  }
  return html`<section>
    <h1>SMB</h1>
    <p class="muted">nasd's users and shares served to Windows, macOS and Linux by the system's Samba.</p>
    <${Status} ...${smb} />
    ${s && html`<div class="grid2">
      <article class="card" aria-labelledby="smb-status">
        <h2 id="smb-status">Status</h2>
        <dl class="facts smb-facts">
          <dt>SMB</dt><dd>${s.enabled ? html`<span class="badge ok">on</span>` : html`<span class="badge bad">off</span>`}</dd>
          <dt>Samba</dt><dd>${s.samba.installed ? `installed${s.samba.version ? `, ${s.samba.version}` : ''}` : 'not installed'}</dd>
          ${s.samba.installed && html`<dt>smbd</dt><dd>${s.samba.running ? html`<span class="badge ok">running</span>` : html`<span class="badge warning">not answering</span>`}</dd>`}
          <dt>Include file</dt><dd class="path">${s.includeFile}</dd>
        </dl>
        <${OffReason} status=${s} />
        <${Switch} label="Serve nasd's shares over SMB" checked=${s.enabled} onChange=${toggle} />
      </article>
      <article class="card" aria-labelledby="smb-last">
        <h2 id="smb-last">Last validation and reload</h2>
        <${LastResult} result=${s.lastResult} />
        <form class="actions" onSubmit=${regenerate.submit}>
          <button type="submit" disabled=${regenerate.busy || !s.enabled} aria-describedby=${s.enabled ? undefined : 'regen-off'}>${regenerate.busy ? 'Regenerating…' : 'Regenerate now'}</button>
        </form>
        ${!s.enabled && html`<p class="muted small" id="regen-off">SMB is off: there is nothing to regenerate.</p>`}
        <p role="status">${regenerated && (regenerated.installed && !regenerated.error ? `Regenerated at ${when(regenerated.at)}: validated, installed${regenerated.reloaded ? ' and reloaded' : ', reload failed'}.` : `Regenerated at ${when(regenerated.at)}: refused, the previous configuration stays.`)}</p>
        ${regenerate.error && html`<p class="error" role="alert">Regenerate failed: ${regenerate.error}</p>`}
      </article>
    </div>
    <h2 class="section-title">Shares</h2>
    <${Shares} shares=${s.shares} />
    <h2 class="section-title">Users</h2>
    <${Users} users=${s.users} />`}
    <h2 class="section-title">Generated configuration</h2>
    <${Status} ...${config} />
    ${config.data && (config.data.text === null
      ? html`<p class="empty muted">No configuration generated${s && !s.enabled ? ' while SMB is off' : ' yet'}.</p>`
      : html`<pre class="code scroll" tabindex="0" role="region" aria-label="Generated Samba include file">${config.data.text}</pre>`)}
  </section>`;
}
