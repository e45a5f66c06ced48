// Account (/account): password, two-factor sign-in, app passwords and active sessions.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status, formatDate } from '../components/Status.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { TwoFactor } from '../components/TwoFactor.js';
import { AppPasswords } from '../components/AppPasswords.js';
import { notify } from '../components/Notice.js';

function ChangePassword() {
  const empty = { currentPassword: '', newPassword: '', repeat: '' };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  async function submit(e) {
    e.preventDefault();
    setError(null);
    if (form.newPassword !== form.repeat) { setError('The two new passwords differ.'); return; }
    setBusy(true);
    try {
      await api('POST', '/api/me/password', { currentPassword: form.currentPassword, newPassword: form.newPassword });
      setForm(empty);
      notify('Password changed; your other sessions were signed out');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="card" aria-labelledby="pw-title">
    <h2 id="pw-title">Password</h2>
    <form class="stack" onSubmit=${submit} aria-label="Change password">
      <label>Current password <input type="password" name="currentPassword" autocomplete="current-password" value=${form.currentPassword} onInput=${field('currentPassword')} required /></label>
      <label>New password <input type="password" name="newPassword" autocomplete="new-password" minlength="8" value=${form.newPassword} onInput=${field('newPassword')} required /></label>
      <label>New password again <input type="password" name="repeatPassword" autocomplete="new-password" value=${form.repeat} onInput=${field('repeat')} required /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>${busy ? 'Changing…' : 'Change password'}</button>
    </form>
  </section>`;
}

/** A readable device name from a User-Agent ("Firefox on Linux"). */
export function device(ua) {
  if (!ua) return 'unknown device';
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chromium/Chrome' : /Safari\//.test(ua) ? 'Safari' : 'a program';
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}

function Sessions() {
  const list = useApi('/api/me/sessions');
  const [confirm, setConfirm] = useState(null);
  const items = list.data ? list.data.items : [];
  const others = items.filter((s) => !s.current);
  async function revoke(targets) {
    for (const s of targets) await api('DELETE', `/api/me/sessions/${s.id}`);
    notify(`Signed out ${targets.length} session${targets.length === 1 ? '' : 's'}`);
    list.reload();
  }
  return html`<section class="card" aria-labelledby="sessions-title">
    <h2 id="sessions-title">Where you are signed in</h2>
    <${Status} ...${list} />
    ${items.length > 0 && html`<div class="table-box" tabindex="0"><table>
      <thead><tr><th scope="col">Device</th><th scope="col">Address</th><th scope="col">Last seen</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${items.map((s) => html`<tr key=${s.id}><td>${device(s.userAgent)} ${s.current && html`<span class="badge ok">this browser</span>`}</td>
        <td>${s.address || '—'}</td><td>${formatDate(s.lastUsedAt)}</td>
        <td>${!s.current && html`<button class="secondary" onClick=${() => setConfirm([s])}>End session</button>`}</td></tr>`)}</tbody></table></div>`}
    <button class="secondary" disabled=${others.length === 0} onClick=${() => setConfirm(others)}>Sign out all other sessions</button>
    ${confirm && html`<${ConfirmDialog} title="Sign out?" confirmLabel="Sign out"
      message=${confirm.length === 1 ? `The session of ${device(confirm[0].userAgent)} ends; it must sign in again.` : `All ${confirm.length} other sessions end; they must sign in again.`}
      onConfirm=${() => revoke(confirm)} onClose=${() => setConfirm(null)} />`}
  </section>`;
}

export function Account({ user }) {
  return html`<section>
    <h1>Account</h1>
    <p class="muted">Signed in as <strong>${user.username}</strong>${user.displayName ? ` (${user.displayName})` : ''}.</p>
    <div class="grid2">
      <${ChangePassword} />
      <${TwoFactor} />
      <${AppPasswords} />
      <${Sessions} />
    </div>
  </section>`;
}
