// The Users page's dialogs: create, edit, reset password, delete (each shows the server's answer).
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useSubmit } from '../lib/use-submit.js';
import { UNITS, generatePassword, joinBytes, splitBytes } from '../lib/units.js';
import { Dialog } from './Dialog.js';
import { CopyButton } from './CopyButton.js';

/** A quota field: a number and a unit; empty means no quota. */
export function QuotaField({ value, onChange }) {
  return html`<fieldset class="quota">
    <legend>Quota (empty = no quota)</legend>
    <label>Amount <input name="quotaAmount" type="number" min="0" step="any" value=${value.amount} onInput=${(e) => onChange({ ...value, amount: e.target.value })} /></label>
    <label>Unit <select name="quotaUnit" value=${value.unit} onChange=${(e) => onChange({ ...value, unit: e.target.value })}>
      ${Object.keys(UNITS).map((u) => html`<option value=${u}>${u}</option>`)}</select></label>
  </fieldset>`;
}

/** Shows a password once, with a copy button, until the admin says it is saved. */
function PasswordShown({ username, password, onDone }) {
  return html`<div class="stack" role="status">
    <p>The password of <strong>${username}</strong> is shown <strong>only now</strong>. Give it to them; they can change it on their Account page.</p>
    <p><code class="secret" data-testid="new-password">${password}</code> <${CopyButton} text=${password} /></p>
    <div class="actions"><button type="button" onClick=${onDone}>Done, I passed it on</button></div>
  </div>`;
}

/** Typed or generated password fields; `value` is { mode: 'generate' | 'type', typed }. */
function PasswordChoice({ value, onChange }) {
  return html`<fieldset class="choice">
    <legend>Password</legend>
    <label class="check"><input type="radio" name="pwMode" checked=${value.mode === 'generate'} onChange=${() => onChange({ ...value, mode: 'generate' })} /> Generate one (shown once)</label>
    <label class="check"><input type="radio" name="pwMode" checked=${value.mode === 'type'} onChange=${() => onChange({ ...value, mode: 'type' })} /> Type it</label>
    ${value.mode === 'type' && html`<label>New password <input name="newPassword" type="password" autocomplete="new-password" minlength="8" required value=${value.typed} onInput=${(e) => onChange({ ...value, typed: e.target.value })} /></label>`}
  </fieldset>`;
}

const chosen = (pw) => (pw.mode === 'generate' ? generatePassword() : pw.typed);

export function CreateUserDialog({ onClose, onDone }) {
  const [form, setForm] = useState({ username: '', displayName: '', email: '', role: 'user' });
  const [quota, setQuota] = useState({ amount: '', unit: 'GiB' });
  const [pw, setPw] = useState({ mode: 'generate', typed: '' });
  const [shown, setShown] = useState(null);
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const { busy, error, submit } = useSubmit(async () => {
    const password = chosen(pw);
    await api('POST', '/api/users', { ...form, username: form.username.trim(), password, quotaBytes: joinBytes(quota) });
    onDone(`Created ${form.username.trim()}`);
    if (pw.mode === 'generate') setShown({ username: form.username.trim(), password });
    else onClose();
  });
  return html`<${Dialog} title="Create a user" onClose=${onClose}>
    ${shown ? html`<${PasswordShown} ...${shown} onDone=${onClose} />` : html`<form class="stack" onSubmit=${submit}>
      <label>User name <input name="username" value=${form.username} onInput=${field('username')} required maxlength="64" autocomplete="off" /></label>
      <label>Display name <input name="displayName" value=${form.displayName} onInput=${field('displayName')} maxlength="128" /></label>
      <label>E-mail <input name="email" type="email" value=${form.email} onInput=${field('email')} maxlength="254" /></label>
      <label>Role <select name="role" value=${form.role} onChange=${field('role')}><option value="user">user</option><option value="admin">admin (manages users, shares and the server)</option></select></label>
      <${QuotaField} value=${quota} onChange=${setQuota} />
      <${PasswordChoice} value=${pw} onChange=${setPw} />
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy}>${busy ? 'Creating…' : 'Create user'}</button></div>
    </form>`}
  <//>`;
}

/** Edit role, quota, e-mail and display name; `lastAdmin` locks the role with the reason. */
export function EditUserDialog({ user, lastAdmin, onClose, onDone }) {
  const [form, setForm] = useState({ displayName: user.displayName, email: user.email, role: user.role });
  const [quota, setQuota] = useState(splitBytes(user.quotaBytes));
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  const { busy, error, submit } = useSubmit(async () => {
    const patch = { displayName: form.displayName, email: form.email, quotaBytes: joinBytes(quota) };
    if (form.role !== user.role) patch.role = form.role;
    await api('PATCH', `/api/users/${user.id}`, patch);
    onDone(`Saved ${user.username}`);
    onClose();
  });
  return html`<${Dialog} title=${`Edit ${user.username}`} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label>Display name <input name="displayName" value=${form.displayName} onInput=${field('displayName')} maxlength="128" /></label>
      <label>E-mail <input name="email" type="email" value=${form.email} onInput=${field('email')} maxlength="254" /></label>
      <label>Role <select name="role" value=${form.role} onChange=${field('role')} disabled=${lastAdmin} aria-describedby=${lastAdmin ? 'role-locked' : undefined}>
        <option value="user">user</option><option value="admin">admin</option></select></label>
      ${lastAdmin && html`<p class="muted" id="role-locked">${user.username} is the only enabled administrator, so the role cannot change: make another user an administrator first.</p>`}
      <${QuotaField} value=${quota} onChange=${setQuota} />
      <p class="muted">A new quota applies at once to WebDAV, uploads and SMB.</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy}>${busy ? 'Saving…' : 'Save'}</button></div>
    </form>
  <//>`;
}

export function ResetPasswordDialog({ user, onClose, onDone }) {
  const [pw, setPw] = useState({ mode: 'generate', typed: '' });
  const [shown, setShown] = useState(null);
  const { busy, error, submit } = useSubmit(async () => {
    const password = chosen(pw);
    await api('POST', `/api/users/${user.id}/password`, { password });
    onDone(`New password set for ${user.username}`);
    if (pw.mode === 'generate') setShown({ username: user.username, password });
    else onClose();
  });
  return html`<${Dialog} title=${`Reset the password of ${user.username}`} onClose=${onClose}>
    ${shown ? html`<${PasswordShown} ...${shown} onDone=${onClose} />` : html`<form class="stack" onSubmit=${submit}>
      <p>All of ${user.username}'s sessions end and their app passwords are revoked: their devices need new ones.</p>
      <${PasswordChoice} value=${pw} onChange=${setPw} />
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="danger" disabled=${busy}>${busy ? 'Resetting…' : 'Reset password'}</button></div>
    </form>`}
  <//>`;
}

/**
 * Deletes a user after the admin types the name. Says where the home goes (retired, not
 * destroyed) and, when they own shares, asks who takes them over.
 */
export function DeleteUserDialog({ user, ownedShares, others, storageRoot, onClose, onDone }) {
  const [typed, setTyped] = useState('');
  const [heir, setHeir] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const query = ownedShares.length > 0 ? `?transferSharesTo=${heir}` : '';
    await api('DELETE', `/api/users/${user.id}${query}`);
    onDone(`Deleted ${user.username}; their home was retired`);
    onClose();
  });
  const where = `${storageRoot ? storageRoot.replace(/\/$/, '') : '<storage root>'}/.nasd/retired-homes/${user.username}-${user.id}-<time>/`;
  const blocked = typed !== user.username || (ownedShares.length > 0 && heir === '');
  return html`<${Dialog} title=${`Delete ${user.username}?`} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <p>The account ${user.username} ends at once: sessions, app passwords and SMB access go. Their home folder is <strong>retired, not destroyed</strong>: it moves to</p>
      <p><code class="path">${where}</code></p>
      <p class="muted">An administrator can recover the files from there on the server's disk; nasd never removes it (delete it by hand to free the space). Files they created in shares pass to each share's owner.</p>
      ${ownedShares.length > 0 && html`<label>They own ${ownedShares.length === 1 ? 'the share' : 'the shares'} ${ownedShares.map((s) => s.name).join(', ')}: hand ${ownedShares.length === 1 ? 'it' : 'them'} to
        <select name="transferSharesTo" value=${heir} onChange=${(e) => setHeir(e.target.value)} required>
          <option value="">choose a user…</option>
          ${others.map((o) => html`<option value=${o.id}>${o.username}</option>`)}
        </select></label>`}
      <label>Type <strong>${user.username}</strong> to confirm <input name="confirm" value=${typed} onInput=${(e) => setTyped(e.target.value)} autocomplete="off" /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="danger" disabled=${busy || blocked}>${busy ? 'Deleting…' : `Delete ${user.username}`}</button></div>
    </form>
  <//>`;
}
