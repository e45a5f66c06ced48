// Sign-in form, with a second step for the TOTP code when 2FA is on.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { login } from '../lib/api.js';

export function Login() {
  const [form, setForm] = useState({ username: '', password: '', totp: '' });
  const [needTotp, setNeedTotp] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const field = (name) => (e) => setForm({ ...form, [name]: e.target.value });

  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(form.username, form.password, needTotp ? form.totp : undefined);
    } catch (err) {
      if (err.details && err.details.totpRequired) setNeedTotp(true);
      else setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="login card">
    <h1>Sign in to nasd</h1>
    <form class="stack" onSubmit=${submit}>
      <label>User name <input name="username" autocomplete="username" value=${form.username} onInput=${field('username')} required /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" value=${form.password} onInput=${field('password')} required /></label>
      ${needTotp && html`<label>Authenticator code or recovery code <input name="totp" autocomplete="one-time-code" value=${form.totp} onInput=${field('totp')} required /></label>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </div>`;
}
