// Users: list, create, disable (admin only).
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status, formatBytes } from '../components/Status.js';
import { notify } from '../components/Notice.js';

const GiB = 1024 ** 3;

function CreateUser({ onCreated }) {
  const empty = { username: '', password: '', role: 'user', quotaGiB: '' };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState(null);
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });
  async function submit(e) {
    e.preventDefault();
    setError(null);
    try {
      const quotaBytes = form.quotaGiB === '' ? null : Math.round(Number(form.quotaGiB) * GiB);
      await api('POST', '/api/users', { username: form.username, password: form.password, role: form.role, quotaBytes });
      setForm(empty);
      onCreated();
    } catch (err) {
      setError(err.message);
    }
  }
  return html`<form class="inline" onSubmit=${submit} aria-label="Create user">
    <label>User name <input name="username" value=${form.username} onInput=${field('username')} required /></label>
    <label>Password <input name="password" type="password" value=${form.password} onInput=${field('password')} required minlength="8" /></label>
    <label>Role <select name="role" value=${form.role} onChange=${field('role')}><option value="user">user</option><option value="admin">admin</option></select></label>
    <label>Quota (GiB, empty = unlimited) <input name="quotaGiB" type="number" min="0" step="any" value=${form.quotaGiB} onInput=${field('quotaGiB')} /></label>
    <button type="submit">Create user</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

export function Users() {
  const users = useApi('/api/users');
  const list = users.data ? users.data.users || users.data.items || users.data : [];
  async function toggle(u) {
    try {
      await api('PATCH', `/api/users/${u.id}`, { disabled: !u.disabled });
      notify(`${u.username} is ${u.disabled ? 'enabled' : 'disabled'}`);
    } catch (err) {
      notify(`Could not ${u.disabled ? 'enable' : 'disable'} ${u.username}: ${err.message}`, 'error');
    }
    users.reload();
  }
  return html`<section>
    <h1>Users</h1>
    <${CreateUser} onCreated=${users.reload} />
    <${Status} ...${users} />
    <div class="table-box" tabindex="0"><table>
      <thead><tr><th>User</th><th>Role</th><th>Quota</th><th>2FA</th><th>State</th><th></th></tr></thead>
      <tbody>
        ${list.map((u) => html`<tr key=${u.id}>
          <td>${u.username}</td><td>${u.role}</td><td>${formatBytes(u.quotaBytes)}</td>
          <td>${u.totpEnabled ? 'on' : 'off'}</td><td>${u.disabled ? html`<span class="badge bad">disabled</span>` : html`<span class="badge ok">active</span>`}</td>
          <td><button class="secondary" onClick=${() => toggle(u)}>${u.disabled ? 'Enable' : 'Disable'}</button></td>
        </tr>`)}
      </tbody>
    </table></div>
  </section>`;
}
