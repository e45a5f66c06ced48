// App passwords: create (shown once, with a copy button), list with last use, revoke.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { ConfirmDialog } from './Dialog.js';
import { CopyButton } from './CopyButton.js';
import { Status, formatDate } from './Status.js';
import { notify } from './Notice.js';
import { useSubmit } from '../lib/use-submit.js';

/**
 * The create form; after creation shows the password once. `onCreated(created)` gets the answer.
 * `offerSmb` adds the "For SMB" checkbox (with 2FA on, only such a password opens SMB).
 */
export function CreateAppPassword({ suggestedName = '', onCreated, offerSmb = false }) {
  const [name, setName] = useState(suggestedName);
  const [current, setCurrent] = useState('');
  const [forSmb, setForSmb] = useState(false);
  const [created, setCreated] = useState(null);
  const { busy, error, submit } = useSubmit(async () => {
    // The server asks for the account password: a session token alone must not mint a lasting credential.
    const payload = { name: name.trim(), password: current };
    if (offerSmb && forSmb) payload.smb = true;
    const result = await api('POST', '/api/me/app-passwords', payload);
    setCreated(result);
    setCurrent('');
    if (onCreated) onCreated(result);
  });
  if (created) {
    return html`<div class="card created" role="status">
      <p>App password <strong>${created.name}</strong> created. It is shown <strong>only now</strong>: enter it in the device as the password, with your user name.</p>
      <p><code class="secret" data-testid="app-password">${created.password}</code> <${CopyButton} text=${created.password} /></p>
      <p class="muted">It works for WebDAV (network drives, file apps, rclone)${created.smb ? ' and is now your SMB password, replacing any earlier one' : ''}, never for this web page. Revoke it here when the device is gone.</p>
      <button class="secondary" onClick=${() => { setCreated(null); setName(''); }}>Done, I saved it</button>
    </div>`;
  }
  return html`<form class="inline" onSubmit=${submit} aria-label="Create app password">
    <label>Device or app name <input name="appPasswordName" value=${name} onInput=${(e) => setName(e.target.value)} required maxlength="64" placeholder="e.g. Laptop" /></label>
    <label>Your account password <input name="currentPassword" type="password" autocomplete="current-password" value=${current} onInput=${(e) => setCurrent(e.target.value)} required /></label>
    ${offerSmb && html`<label class="check"><input type="checkbox" name="forSmb" checked=${forSmb} onChange=${(e) => setForSmb(e.target.checked)} /> For SMB (also becomes your SMB password)</label>`}
    <button type="submit" disabled=${busy}>${busy ? 'Creating…' : 'Create app password'}</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

export function AppPasswords() {
  const list = useApi('/api/me/app-passwords');
  const [revoking, setRevoking] = useState(null);
  const items = list.data ? list.data.items : [];
  return html`<section class="card" aria-labelledby="app-pw-title">
    <h2 id="app-pw-title">App passwords</h2>
    <p class="muted">Give each device its own password for WebDAV (and SMB where it exists), so you can revoke one without changing your password.</p>
    <${CreateAppPassword} onCreated=${list.reload} />
    <${Status} ...${list} />
    ${list.data && items.length === 0 && html`<p class="muted">No app passwords yet.</p>`}
    ${items.length > 0 && html`<div class="table-box" tabindex="0"><table>
      <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${items.map((p) => html`<tr key=${p.id}><td>${p.name}${p.smb && html` <span class="badge info">SMB</span>`}</td><td>${formatDate(p.createdAt)}</td>
        <td>${p.lastUsedAt ? `${formatDate(p.lastUsedAt)}${p.lastUsedAddress ? ` from ${p.lastUsedAddress}` : ''}` : 'never'}</td>
        <td><button class="secondary" onClick=${() => setRevoking(p)}>Revoke</button></td></tr>`)}</tbody></table></div>`}
    ${revoking && html`<${ConfirmDialog} title=${`Revoke ${revoking.name}?`} confirmLabel="Revoke"
      message=${`Devices using the app password “${revoking.name}” lose access at once and must get a new one.`}
      onConfirm=${async () => { await api('DELETE', `/api/me/app-passwords/${revoking.id}`); notify(`Revoked ${revoking.name}`); list.reload(); }}
      onClose=${() => setRevoking(null)} />`}
  </section>`;
}
