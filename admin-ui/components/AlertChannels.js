// The Alerts page's channels (admin): each with its target, filters and last delivery; add, edit,
// delete after confirming, "Send test" with the outcome inline, and the delivery log.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status } from './Status.js';
import { ConfirmDialog } from './Dialog.js';
import { when } from './AlertList.js';
import { ChannelDialog } from './ChannelForm.js';
import { notify } from './Notice.js';

const target = (c) => (c.kind === 'email' ? `${c.settings.to.join(', ')} via ${c.settings.smtpUrl}` : `${c.settings.url} (${c.settings.format})`);

function Outcome({ delivery }) {
  return html`<span class=${'badge ' + (delivery.outcome === 'success' ? 'ok' : 'bad')}>${delivery.outcome === 'success' ? 'delivered' : 'failed'}</span>`;
}

function Deliveries({ channel }) {
  const log = useApi(`/api/alerts/channels/${channel.id}/deliveries?limit=20`);
  const items = log.data ? log.data.deliveries : [];
  return html`<div class="deliveries">
    <${Status} ...${log} />
    ${log.data && items.length === 0 && html`<p class="muted">Nothing was sent to this channel yet.</p>`}
    ${items.length > 0 && html`<ul class="plain">${items.map((d) => html`<li key=${d.id}>
      <${Outcome} delivery=${d} /> ${d.event}${d.alertId ? ` (alert #${d.alertId})` : ''}, ${when(d.at)}, ${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}
      ${d.error && html`<div class="error small">${d.error}</div>`}</li>`)}</ul>`}
  </div>`;
}

/** Runs "Send test" and shows what came back, in the card. */
function TestButton({ channel, onSent }) {
  const [state, setState] = useState(null);
  async function send() {
    setState({ busy: true });
    try {
      const r = await api('POST', `/api/alerts/channels/${channel.id}/test`);
      setState({ result: r });
      onSent();
    } catch (err) {
      setState({ error: err.message });
    }
  }
  return html`<button type="button" class="secondary" disabled=${state && state.busy} onClick=${send}>${state && state.busy ? 'Sending…' : 'Send test'}<span class="sr-only"> to ${channel.name}</span></button>
    <p class="test-result" role="status">${state && state.result && (state.result.ok
      ? html`<span class="badge ok">delivered</span> Test sent to ${channel.name}${state.result.attempts > 1 ? ` after ${state.result.attempts} attempts` : ''}.`
      : html`<span class="badge bad">failed</span> ${state.result.error || 'not delivered'} (${state.result.attempts} ${state.result.attempts === 1 ? 'attempt' : 'attempts'})`)}
      ${state && state.error && html`<span class="error">Could not send: ${state.error}</span>`}</p>`;
}

function ChannelCard({ channel, onEdit, onDelete, onChanged }) {
  const [showLog, setShowLog] = useState(false);
  const [logKey, setLogKey] = useState(0);
  const fromEnv = channel.source === 'env';
  const id = `channel-${channel.id}`;
  const last = channel.lastDelivery;
  return html`<article class="card channel" aria-labelledby=${id}>
    <div class="alert-head"><h3 id=${id}>${channel.name}</h3>
      <span class="badge">${channel.kind === 'email' ? 'e-mail' : 'webhook'}</span>
      ${channel.enabled ? html`<span class="badge ok">enabled</span>` : html`<span class="badge">disabled</span>`}</div>
    <p class="path">${target(channel)}</p>
    <dl class="facts">
      <dt>Sends</dt><dd>${channel.minSeverity} and above, ${channel.families ? channel.families.join(', ') : 'every family'}</dd>
      <dt>Last delivery</dt><dd>${last ? html`<${Outcome} delivery=${last} /> ${last.event}, ${when(last.at)}${last.error ? html`<br /><span class="error small">${last.error}</span>` : ''}` : 'none yet'}</dd>
    </dl>
    ${fromEnv && html`<p class="muted small">Set by the environment (NASD_SMTP_URL, NASD_ALERT_EMAIL): change it there.</p>`}
    ${channel.secretsUnreadable && html`<p class="error">Its stored secrets do not decrypt with this server's key: enter them again.</p>`}
    <div class="actions">
      <${TestButton} channel=${channel} onSent=${() => { onChanged(); setLogKey((k) => k + 1); }} />
      <button type="button" class="secondary" aria-expanded=${showLog} onClick=${() => setShowLog(!showLog)}>${showLog ? 'Hide deliveries' : 'Deliveries'}<span class="sr-only"> of ${channel.name}</span></button>
      ${!fromEnv && html`<button type="button" class="secondary" onClick=${() => onEdit(channel)}>Edit<span class="sr-only"> ${channel.name}</span></button>
        <button type="button" class="secondary danger-text" onClick=${() => onDelete(channel)}>Delete<span class="sr-only"> ${channel.name}</span></button>`}
    </div>
    ${showLog && html`<${Deliveries} key=${logKey} channel=${channel} />`}
  </article>`;
}

export function AlertChannels() {
  const channels = useApi('/api/alerts/channels');
  const [dialog, setDialog] = useState(null);
  const list = channels.data ? channels.data.channels : [];
  const close = () => setDialog(null);
  const done = (text) => { notify(text); channels.reload(); };
  const d = dialog;
  return html`<section aria-labelledby="channels-title">
    <div class="page-head section-title"><h2 id="channels-title">Notification channels</h2>
      <button type="button" onClick=${() => setDialog({ kind: 'edit', channel: null })}>Add channel</button></div>
    <p class="muted">Where alerts are sent when they open (and the severe ones when they close).</p>
    <${Status} ...${channels} />
    ${channels.data && list.length === 0 && html`<p class="empty muted">No channels: alerts show only here. Add an e-mail or webhook channel to be told.</p>`}
    <div class="channel-list">${list.map((c) => html`<${ChannelCard} key=${c.id} channel=${c} onChanged=${channels.reload}
      onEdit=${(channel) => setDialog({ kind: 'edit', channel })} onDelete=${(channel) => setDialog({ kind: 'delete', channel })} />`)}</div>
    ${d && d.kind === 'edit' && html`<${ChannelDialog} channel=${d.channel} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'delete' && html`<${ConfirmDialog} title=${`Delete channel ${d.channel.name}?`} confirmLabel=${`Delete ${d.channel.name}`}
      message=${`The channel ${d.channel.name} and its whole delivery log are deleted; alerts are no longer sent to ${target(d.channel)}.`}
      onConfirm=${async () => { await api('DELETE', `/api/alerts/channels/${d.channel.id}`); done(`Deleted channel ${d.channel.name}`); }} onClose=${close} />`}
  </section>`;
}
