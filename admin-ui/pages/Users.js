// Users (/users, admin): usage against quota, role, 2FA, last login, state; create, edit, disable,
// reset password or 2FA, delete. The last enabled admin's risky buttons are disabled with the reason.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status, formatDate } from '../components/Status.js';
import { UsageBar } from '../components/ProgressBar.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { notify } from '../components/Notice.js';
import { CreateUserDialog, DeleteUserDialog, EditUserDialog, ResetPasswordDialog } from '../components/UserForms.js';

const LAST_ADMIN = 'The only enabled administrator cannot be disabled, demoted or deleted: make another user an administrator first.';

function UserRow({ u, usage, lastAdmin, open, toggle }) {
  const hint = lastAdmin ? `last-admin-${u.id}` : undefined;
  return html`<tr>
    <td><strong>${u.username}</strong>${u.displayName && html`<div class="muted">${u.displayName}</div>`}${u.email && html`<div class="muted">${u.email}</div>`}</td>
    <td data-label="Role">${u.role === 'admin' ? html`<span class="badge info">admin</span>` : 'user'}</td>
    <td class="usage-cell"><${UsageBar} label=${`Storage of ${u.username}`} used=${usage ? usage.usedBytes : 0} quota=${u.quotaBytes} /></td>
    <td data-label="2FA">${u.totpEnabled ? html`<span class="badge ok">on</span>` : html`<span class="badge">off</span>`}</td>
    <td data-label="Last sign-in">${u.lastLoginAt ? formatDate(u.lastLoginAt) : 'never'}</td>
    <td data-label="State">${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}</td>
    <td><div class="row-actions">
      <button class="secondary" onClick=${() => open('edit', u)}>Edit</button>
      <button class="secondary" onClick=${() => toggle(u)} disabled=${lastAdmin && !u.disabled} aria-describedby=${hint}>${u.disabled ? 'Enable' : 'Disable'}</button>
      <button class="secondary" onClick=${() => open('password', u)}>Reset password</button>
      ${u.totpEnabled && html`<button class="secondary" onClick=${() => open('totp', u)}>Reset 2FA</button>`}
      <button class="secondary danger-text" onClick=${() => open('delete', u)} disabled=${lastAdmin} aria-describedby=${hint}>Delete</button>
    </div>
    ${lastAdmin && html`<p class="muted small" id=${hint}>${LAST_ADMIN}</p>`}</td>
  </tr>`;
}

export function Users() {
  const users = useApi('/api/users');
  const usage = useApi('/api/usage/users', { pollMs: 30_000 });
  const shares = useApi('/api/shares');
  const settings = useApi('/api/settings');
  const [dialog, setDialog] = useState(null);
  const list = users.data ? users.data.items : [];
  const usageOf = new Map((usage.data ? usage.data.items : []).map((x) => [x.userId, x]));
  const enabledAdmins = list.filter((u) => u.role === 'admin' && !u.disabled);
  const isLastAdmin = (u) => u.role === 'admin' && !u.disabled && enabledAdmins.length === 1;
  const storageRoot = settings.data ? (settings.data.settings.find((s) => s.setting === 'storageRoot') || {}).value : null;
  const done = (text) => { notify(text); users.reload(); usage.reload(); shares.reload(); };
  const close = () => setDialog(null);
  async function toggle(u) {
    try {
      await api('PATCH', `/api/users/${u.id}`, { disabled: !u.disabled });
      done(`${u.username} is ${u.disabled ? 'enabled' : 'disabled'}`);
    } catch (err) {
      notify(`Could not ${u.disabled ? 'enable' : 'disable'} ${u.username}: ${err.message}`, 'error');
    }
  }
  const d = dialog;
  return html`<section>
    <div class="page-head"><h1>Users</h1><button onClick=${() => setDialog({ kind: 'create' })}>Create user</button></div>
    <${Status} ...${users} />
    ${users.data && list.length === 0 && html`<p class="empty">No users.</p>`}
    ${list.length > 0 && html`<div class="table-box" tabindex="0" role="region" aria-label="Users"><table class="cards-on-phone">
      <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Storage</th><th scope="col">2FA</th><th scope="col">Last sign-in</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${list.map((u) => html`<${UserRow} key=${u.id} u=${u} usage=${usageOf.get(u.id)} lastAdmin=${isLastAdmin(u)} toggle=${toggle} open=${(kind, user) => setDialog({ kind, user })} />`)}</tbody>
    </table></div>`}
    ${usage.error && html`<p class="error" role="alert">Usage: ${usage.error.message}</p>`}
    ${d && d.kind === 'create' && html`<${CreateUserDialog} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'edit' && html`<${EditUserDialog} user=${d.user} lastAdmin=${isLastAdmin(d.user)} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'password' && html`<${ResetPasswordDialog} user=${d.user} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'totp' && html`<${ConfirmDialog} title=${`Reset two-factor sign-in of ${d.user.username}?`} confirmLabel="Reset 2FA"
      message=${`${d.user.username} signs in with the password alone until they turn 2FA on again; their recovery codes stop working. Use this when they lost their phone.`}
      onConfirm=${async () => { await api('DELETE', `/api/users/${d.user.id}/totp`); done(`2FA of ${d.user.username} is off`); }} onClose=${close} />`}
    ${d && d.kind === 'delete' && html`<${DeleteUserDialog} user=${d.user} storageRoot=${storageRoot}
      ownedShares=${(shares.data ? shares.data.items : []).filter((s) => s.ownerId === d.user.id)}
      others=${list.filter((o) => o.id !== d.user.id && !o.disabled)} onClose=${close} onDone=${done} />`}
  </section>`;
}
