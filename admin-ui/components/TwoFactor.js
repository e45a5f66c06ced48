// Two-factor sign-in: enrol with the QR code and a typed code, recovery codes shown once,
// regenerate them, turn 2FA off.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { saveBlob } from '../lib/download.js';
import { Status } from './Status.js';
import { notify } from './Notice.js';
import { useSubmit } from '../lib/use-submit.js';

function RecoveryCodes({ codes, onDone }) {
  return html`<div class="card created printable" role="status">
    <p><strong>Your recovery codes.</strong> Each one signs you in once if you lose your phone. They are shown <strong>only now</strong>: save or print them.</p>
    <ol class="codes" data-testid="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ol>
    <div class="actions">
      <button class="secondary" onClick=${() => saveBlob(codes.join('\n') + '\n', 'nasd-recovery-codes.txt')}>Download</button>
      <button class="secondary" onClick=${() => window.print()}>Print</button>
      <button onClick=${onDone}>I saved them</button>
    </div>
  </div>`;
}

/** A form asking for the password or a current code before a sensitive change. */
function ProofForm({ label, submitLabel, danger, onSubmit }) {
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await onSubmit(/^\d{6}$/.test(password.trim()) ? { code: password.trim() } : { password });
    setPassword('');
  });
  return html`<form class="inline" onSubmit=${submit} aria-label=${submitLabel}>
    <label>${label} <input type="password" name="proof" autocomplete="current-password" value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
    <button type="submit" class=${danger ? 'danger' : 'secondary'} disabled=${busy}>${busy ? 'Working…' : submitLabel}</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

export function TwoFactor() {
  const status = useApi('/api/me/recovery-codes');
  const [enrolment, setEnrolment] = useState(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [codes, setCodes] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  async function start() {
    setError(null);
    try { setEnrolment(await api('POST', '/api/me/totp')); } catch (err) { setError(err.message); }
  }
  async function confirm(e) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api('POST', '/api/me/totp/confirm', { code: code.trim(), password });
      setCodes(r.recoveryCodes);
      setEnrolment(null);
      setCode('');
      setPassword('');
      status.reload();
      notify('Two-factor sign-in is on');
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }

  const on = status.data && status.data.totpEnabled;
  return html`<section class="card" aria-labelledby="tfa-title">
    <h2 id="tfa-title">Two-factor sign-in</h2>
    <${Status} ...${status} />
    ${codes && html`<${RecoveryCodes} codes=${codes} onDone=${() => setCodes(null)} />`}
    ${status.data && !on && !enrolment && html`<p>Off. With it on, signing in also needs a six-digit code from an authenticator app.</p>
      <button onClick=${start}>Set up two-factor sign-in</button>`}
    ${enrolment && html`<div class="enrol">
      <ol>
        <li>Open your authenticator app (for example Aegis, Google Authenticator or 1Password) and scan this code:
          <img class="qr" src=${enrolment.qrCodeDataUrl} alt="QR code for your authenticator app" width="180" height="180" /></li>
        <li>Or type the key by hand: <code class="secret" data-testid="totp-secret">${enrolment.secret}</code></li>
        <li>Enter the six-digit code the app shows, and your account password to confirm it is you:</li>
      </ol>
      <form class="inline" onSubmit=${confirm} aria-label="Confirm two-factor code">
        <label>Code from the app <input name="totpCode" inputmode="numeric" autocomplete="one-time-code" value=${code} onInput=${(e) => setCode(e.target.value)} required /></label>
        <label>Your account password <input name="totpPassword" type="password" autocomplete="current-password" value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
        <button type="submit" disabled=${busy}>${busy ? 'Checking…' : 'Turn on'}</button>
        <button type="button" class="secondary" onClick=${() => setEnrolment(null)}>Cancel</button>
      </form></div>`}
    ${on && html`<p><span class="badge ok">on</span> ${status.data.remaining} unused recovery code${status.data.remaining === 1 ? '' : 's'} left.</p>
      <h3>New recovery codes</h3><p class="muted">The old codes stop working.</p>
      <${ProofForm} label="Password or current code" submitLabel="Make new recovery codes"
        onSubmit=${async (proof) => { setCodes((await api('POST', '/api/me/recovery-codes', proof)).recoveryCodes); status.reload(); }} />
      <h3>Turn off</h3><p class="muted">Signing in will need only your password again.</p>
      <${ProofForm} label="Password or current code" submitLabel="Turn off two-factor sign-in" danger
        onSubmit=${async (proof) => { await api('POST', '/api/me/totp/disable', proof); notify('Two-factor sign-in is off'); status.reload(); }} />`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
