// Shares (/shares, admin): each share's owner, size, flags, who may use it and how SMB serves it;
// create, edit, change access (a matrix), delete.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Link, filesUrl } from '../lib/router.js';
import { Status, formatBytes, formatDate } from '../components/Status.js';
import { UsageBar } from '../components/ProgressBar.js';
import { notify } from '../components/Notice.js';
import { AccessDialog, DeleteShareDialog, FLAGS, ShareDialog } from '../components/ShareForms.js';

/** What SMB makes of the share: its address and the last regeneration, or why there is none. */
function SmbLine({ share, smb }) {
  if (!smb) return null;
  if (!smb.enabled) return html`<p class="muted small">SMB is off: this share is reached over WebDAV and the web UI only.</p>`;
  const state = smb.shares.find((s) => s.name === share.name);
  const last = smb.lastResult;
  const when = last ? `${last.error ? 'last regeneration failed' : 'regenerated'} ${formatDate(last.at)}` : 'not generated yet';
  return html`<p class="small">SMB: <code>\\\\${location.hostname}\\${share.name}</code>, ${when}
    ${state ? html`; read: ${state.readers.join(', ') || 'nobody'}; write: ${state.writers.join(', ') || 'nobody'}` : html` <span class="badge warning">not in the generated config yet</span>`}
    ${last && last.error && html`<span class="error"> (${last.error})</span>`}</p>`;
}

function ShareCard({ share, owner, smb, open }) {
  return html`<article class="card share" aria-labelledby=${`share-${share.id}`}>
    <div class="page-head"><h2 id=${`share-${share.id}`}>${share.name}</h2>
      <div class="row-actions">
        <${Link} class="button-link" href=${filesUrl('/' + share.name)}>Open files<//>
        <button class="secondary" onClick=${() => open('access', share)}>Access</button>
        <button class="secondary" onClick=${() => open('edit', share)}>Edit</button>
        <button class="secondary danger-text" onClick=${() => open('delete', share)}>Delete</button>
      </div></div>
    ${share.description && html`<p>${share.description}</p>`}
    <p class="muted small">Owner: <strong>${owner ? owner.username : `user ${share.ownerId}`}</strong> · ${share.files} ${share.files === 1 ? 'file' : 'files'}</p>
    <${UsageBar} label=${`Size of ${share.name}`} used=${share.usedBytes} quota=${share.sizeLimitBytes} noLimit="no size limit" />
    <ul class="flags">${FLAGS.map(([key, label]) => html`<li><span class=${'badge ' + (share[key] ? 'ok' : '')}>${label}: ${share[key] ? 'on' : 'off'}</span></li>`)}</ul>
    <${SmbLine} share=${share} smb=${smb} />
  </article>`;
}

export function Shares() {
  const shares = useApi('/api/shares', { pollMs: 30_000 });
  const users = useApi('/api/users');
  const smb = useApi('/api/smb', { pollMs: 15_000 });
  const [dialog, setDialog] = useState(null);
  const list = shares.data ? shares.data.items : [];
  const people = users.data ? users.data.items : [];
  const byId = new Map(people.map((u) => [u.id, u]));
  const done = (text) => { notify(text); shares.reload(); smb.reload(); };
  const close = () => setDialog(null);
  const d = dialog;
  return html`<section>
    <div class="page-head"><h1>Shares</h1><button onClick=${() => setDialog({ kind: 'create' })} disabled=${!users.data}>Create share</button></div>
    <p class="muted">A share is a folder several users can reach, beside their own home: over WebDAV at <code>${'/dav/<share>/'}</code>, in Files, and over SMB when it is on. Sizes count toward the quota of whoever owns each file.</p>
    <${Status} ...${shares} />
    ${users.error && html`<p class="error" role="alert">Users: ${users.error.message}</p>`}
    ${smb.error && html`<p class="error" role="alert">SMB status: ${smb.error.message}</p>`}
    ${shares.data && list.length === 0 && html`<p class="empty">No shares yet. Create one to give several users a common folder.</p>`}
    <div class="share-list">${list.map((s) => html`<${ShareCard} key=${s.id} share=${s} owner=${byId.get(s.ownerId)} smb=${smb.data} open=${(kind, share) => setDialog({ kind, share })} />`)}</div>
    ${d && d.kind === 'create' && html`<${ShareDialog} users=${people} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'edit' && html`<${ShareDialog} share=${d.share} users=${people} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'access' && html`<${AccessDialog} share=${d.share} users=${people} onClose=${close} onDone=${done} />`}
    ${d && d.kind === 'delete' && html`<${DeleteShareDialog} share=${d.share} onClose=${close} onDone=${done} />`}
  </section>`;
}
