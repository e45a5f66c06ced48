// Connect (/connect): a wizard — pick the device, get an app password, follow exact steps for
// this server's address and the user's name.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { addresses, guides, windowsRegFile } from '../lib/connect-guides.js';
import { smbGuides, smbPasswordNote } from '../lib/smb-guides.js';
import { useApi } from '../lib/use-api.js';
import { saveBlob } from '../lib/download.js';
import { CreateAppPassword } from '../components/AppPasswords.js';
import { CopyButton } from '../components/CopyButton.js';

const SYSTEMS = [['windows', 'Windows'], ['macos', 'macOS'], ['linux', 'Linux'], ['mobile', 'iPhone / Android'], ['rclone', 'rclone']];

/** SMB steps for the chosen system, when SMB is on for this user. */
function SmbSteps({ guide, smb }) {
  return html`<h2>4. Or over SMB (Windows, Mac and Linux file sharing)</h2>
    <p class="note">${smbPasswordNote(smb.needsAppPassword)}</p>
    ${guide.notes.map((n) => html`<p class="note">${n}</p>`)}
    <${Steps} steps=${guide.steps} />`;
}

function Steps({ steps }) {
  return html`<ol class="steps">${steps.map((s) => html`<li>
    <p>${s.do}</p>
    ${s.code && html`<pre class="code" tabindex="0">${s.code}</pre>`}
    ${s.code && html`<${CopyButton} text=${s.code} />`}
    <p class="muted">You will see: ${s.see}</p></li>`)}</ol>`;
}

function WindowsRegistry({ secure }) {
  const [risk, setRisk] = useState(false);
  return html`<div class="card">
    <h3>Windows registry changes</h3>
    <p>Import with a double-click (needs administrator rights), then restart the WebClient service.</p>
    <button class="secondary" onClick=${() => saveBlob(windowsRegFile({ basicOverHttp: false }), 'nasd-webdav-file-size.reg')}>Download .reg: allow files up to 4 GiB</button>
    ${!secure && html`<div class="warning-box" role="note">
      <p><strong>Warning:</strong> the next file makes Windows send your password unencrypted over plain HTTP, for every WebDAV server. Anyone on the network can read it. Only use it on a home network you trust, with an app password, and prefer HTTPS.</p>
      <label class="check"><input type="checkbox" name="acceptRisk" checked=${risk} onChange=${(e) => setRisk(e.target.checked)} /> I understand, my network is trusted</label>
      <button class="secondary" disabled=${!risk} onClick=${() => saveBlob(windowsRegFile({ basicOverHttp: true }), 'nasd-webdav-http-basic.reg')}>Download .reg: 4 GiB files and passwords over HTTP</button>
    </div>`}
  </div>`;
}

export function Connect({ user }) {
  const [system, setSystem] = useState(null);
  const a = addresses(location.origin);
  const all = guides(a, user.username);
  const guide = system && all[system];
  const connect = useApi('/api/me/connect');
  const smb = connect.data && connect.data.smb.enabled ? connect.data.smb : null;
  const smbGuide = smb && system && smbGuides(a.host, user.username, smb.shares)[system];
  return html`<section class="connect">
    <h1>Connect a device</h1>
    <p>Your files are at <code>${a.dav}</code> <${CopyButton} text=${a.dav} label="Copy address" /> with the user name <strong>${user.username}</strong>.</p>
    ${smb && html`<p>Over SMB (file sharing) your home is <code>${`\\\\${a.host}\\home`}</code>; the steps below show both ways.</p>`}
    <h2>1. Which device?</h2>
    <div class="choices" role="group" aria-label="Device">
      ${SYSTEMS.map(([id, label]) => html`<button class=${system === id ? '' : 'secondary'} aria-pressed=${system === id} onClick=${() => setSystem(id)}>${label}</button>`)}
    </div>
    ${guide && html`
      <h2>2. A password for this device</h2>
      <p>Devices sign in with an app password, so you can revoke one device later without changing your own password.</p>
      <${CreateAppPassword} key=${system} suggestedName=${guide.title.split(' ')[0]} offerSmb=${Boolean(smb && smb.needsAppPassword)} />
      <h2>3. ${guide.title}</h2>
      ${guide.notes.map((n) => html`<p class="note">${n}</p>`)}
      <${Steps} steps=${guide.steps} />
      ${system === 'windows' && html`<${WindowsRegistry} secure=${a.secure} />`}
      ${smbGuide && html`<${SmbSteps} guide=${smbGuide} smb=${smb} />`}`}
  </section>`;
}
