// Add or edit a notification channel: e-mail (SMTP server, sender, recipients) or webhook (URL,
// format, HMAC secret, token). Stored secrets are never shown: an empty secret field keeps them.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useSubmit } from '../lib/use-submit.js';
import { Dialog } from './Dialog.js';

export const FAMILIES = ['raid', 'smart', 'fans', 'storage', 'scheduler', 'security', 'smb', 'alerts'];
const SEVERITIES = ['info', 'warning', 'critical'];

function initial(channel) {
  const s = channel ? channel.settings : {};
  return {
    kind: channel ? channel.kind : 'webhook',
    name: channel ? channel.name : '',
    minSeverity: channel ? channel.minSeverity : 'warning',
    families: channel && channel.families ? channel.families : [],
    enabled: channel ? channel.enabled : true,
    smtpUrl: s.smtpUrl || '', password: '', from: s.from || '', to: (s.to || []).join(', '),
    url: s.url || '', format: s.format || 'json', hmacSecret: '', token: '',
  };
}

/** The SMTP URL with the password put in, when one was typed. */
function smtpUrlWith(raw, password) {
  if (!password) return raw.trim();
  let url;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new Error('SMTP server must be a URL like smtp://user@mail.example.com:587');
  }
  url.password = password;
  return url.toString().replace(/\/$/, '');
}

function body(f) {
  const common = { kind: f.kind, name: f.name.trim(), minSeverity: f.minSeverity, families: f.families.length ? f.families : null, enabled: f.enabled };
  if (f.kind === 'email') {
    return { ...common, smtpUrl: smtpUrlWith(f.smtpUrl, f.password), from: f.from.trim(), to: f.to.split(/[\s,;]+/).filter(Boolean) };
  }
  const out = { ...common, url: f.url.trim(), format: f.format };
  if (f.hmacSecret) out.hmacSecret = f.hmacSecret;
  if (f.token) out.token = f.token;
  return out;
}

/** A secret's field: empty keeps the stored value, which is never shown back. */
function SecretField({ label, name, value, onInput, stored, help, minlength }) {
  const hint = `${name}-hint`;
  return html`<div class="field"><label>${label}
    <input name=${name} type="password" autocomplete="new-password" value=${value} onInput=${onInput} minlength=${minlength} aria-describedby=${hint} /></label>
    <span class="muted small" id=${hint}>${stored ? 'One is stored (never shown). Leave empty to keep it.' : help}</span></div>`;
}

export function ChannelDialog({ channel, onClose, onDone }) {
  const [f, setF] = useState(initial(channel));
  const set = (name) => (e) => setF({ ...f, [name]: e.target.type === 'checkbox' ? e.target.checked : e.target.value });
  const stored = (secret) => Boolean(channel && channel.secretsSet.includes(secret));
  const toggleFamily = (family) => (e) => setF({ ...f, families: e.target.checked ? [...f.families, family] : f.families.filter((x) => x !== family) });
  const { busy, error, submit } = useSubmit(async () => {
    const saved = channel ? await api('PUT', `/api/alerts/channels/${channel.id}`, body(f)) : await api('POST', '/api/alerts/channels', body(f));
    onDone(`${channel ? 'Saved' : 'Added'} channel ${saved.name}`);
    onClose();
  });
  return html`<${Dialog} title=${channel ? `Edit channel ${channel.name}` : 'Add a notification channel'} onClose=${onClose}>
    <form class="stack wide" onSubmit=${submit}>
      ${!channel && html`<label>Kind <select name="kind" value=${f.kind} onChange=${set('kind')}>
        <option value="webhook">webhook (HTTP POST; ntfy, Gotify or JSON)</option><option value="email">e-mail (SMTP)</option></select></label>`}
      <label>Name <input name="name" value=${f.name} onInput=${set('name')} required maxlength="128" autocomplete="off" /></label>
      ${f.kind === 'email' ? html`
        <label>SMTP server <input name="smtpUrl" value=${f.smtpUrl} onInput=${set('smtpUrl')} required placeholder="smtp://user@mail.example.com:587" autocomplete="off" /></label>
        <${SecretField} label="SMTP password" name="password" value=${f.password} onInput=${set('password')} stored=${stored('password')} help="Only if the server needs one." />
        <label>From <input name="from" value=${f.from} onInput=${set('from')} required placeholder="nasd@example.com" /></label>
        <div class="field"><label>Recipients <input name="to" value=${f.to} onInput=${set('to')} required placeholder="owner@example.com, second@example.com" aria-describedby="to-hint" /></label>
          <span class="muted small" id="to-hint">Separated by commas or spaces.</span></div>`
      : html`
        <label>URL <input name="url" type="url" value=${f.url} onInput=${set('url')} required placeholder="https://ntfy.sh/my-nas" autocomplete="off" /></label>
        <label>Format <select name="format" value=${f.format} onChange=${set('format')}>
          <option value="json">JSON (nasd's schema)</option><option value="ntfy">ntfy</option><option value="gotify">Gotify</option></select></label>
        <${SecretField} label="HMAC secret" name="hmacSecret" value=${f.hmacSecret} onInput=${set('hmacSecret')} stored=${stored('hmacSecret')} minlength="8" help="Optional, at least 8 characters: signs every request." />
        <${SecretField} label="Token" name="token" value=${f.token} onInput=${set('token')} stored=${stored('token')} help="Optional: the ntfy or Gotify access token." />`}
      <label>Minimum severity <select name="minSeverity" value=${f.minSeverity} onChange=${set('minSeverity')}>
        ${SEVERITIES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
      <fieldset class="families"><legend>Families (none ticked = all)</legend>
        ${FAMILIES.map((fam) => html`<label class="check"><input type="checkbox" name="families" value=${fam} checked=${f.families.includes(fam)} onChange=${toggleFamily(fam)} /> ${fam}</label>`)}
      </fieldset>
      <label class="check"><input type="checkbox" name="enabled" checked=${f.enabled} onChange=${set('enabled')} /> Enabled</label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy}>${busy ? 'Saving…' : channel ? 'Save' : 'Add channel'}</button></div>
    </form>
  <//>`;
}
