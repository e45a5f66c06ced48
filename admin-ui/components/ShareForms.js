// The Shares page's dialogs: create/edit (owner, size limit, flags that say what they do), the
// per-user access matrix, and delete (typed name when files would go with it).
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useSubmit } from '../lib/use-submit.js';
import { joinBytes, splitBytes, UNITS } from '../lib/units.js';
import { formatBytes, Status } from './Status.js';
import { Dialog } from './Dialog.js';

export const FLAGS = [
  ['browseable', 'Browseable', 'Listed when a computer browses the server over SMB; when off, the share opens only by typing its name.'],
  ['recycleBin', 'Recycle bin', 'Files deleted over SMB go to a .recycle folder in the share first and are removed for good after the recycle period (30 days by default).'],
  ['timeMachine', 'Time Machine', 'Macs may back up to this share with Time Machine over SMB (it is announced to them on the network).'],
];

export const ACCESS = [
  ['none', 'none', 'cannot see the share'],
  ['read', 'read', 'open and download files'],
  ['write', 'write', 'also create files and change their own'],
  ['full', 'full', 'also change and delete anybody’s files'],
];

/** Create (no `share`) or edit a share. */
export function ShareDialog({ share, users, onClose, onDone }) {
  const editing = share !== undefined;
  const [form, setForm] = useState(editing
    ? { name: share.name, description: share.description, ownerId: String(share.ownerId), browseable: share.browseable, recycleBin: share.recycleBin, timeMachine: share.timeMachine }
    : { name: '', description: '', ownerId: '', browseable: true, recycleBin: false, timeMachine: false });
  const [limit, setLimit] = useState(splitBytes(editing ? share.sizeLimitBytes : null));
  const set = (name, value) => setForm({ ...form, [name]: value });
  const { busy, error, submit } = useSubmit(async () => {
    const body = { description: form.description, sizeLimitBytes: joinBytes(limit), browseable: form.browseable, recycleBin: form.recycleBin, timeMachine: form.timeMachine };
    if (form.ownerId !== '') body.ownerId = Number(form.ownerId);
    if (editing) await api('PATCH', `/api/shares/${share.id}`, body);
    else await api('POST', '/api/shares', { name: form.name.trim(), ...body });
    onDone(editing ? `Saved ${share.name}` : `Created ${form.name.trim()}`);
    onClose();
  });
  return html`<${Dialog} title=${editing ? `Edit share ${share.name}` : 'Create a share'} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      ${!editing && html`<label>Name (a-z, 0-9, ".", "_", "-") <input name="shareName" value=${form.name} onInput=${(e) => set('name', e.target.value)} required maxlength="64" autocomplete="off" /></label>`}
      <label>Description <input name="description" value=${form.description} onInput=${(e) => set('description', e.target.value)} maxlength="512" /></label>
      <label>Owner (has full access and gets the files of deleted users) <select name="ownerId" value=${form.ownerId} onChange=${(e) => set('ownerId', e.target.value)}>
        ${!editing && html`<option value="">me</option>`}
        ${users.map((u) => html`<option value=${u.id}>${u.username}</option>`)}</select></label>
      <fieldset class="quota"><legend>Size limit (empty = none)</legend>
        <label>Amount <input name="limitAmount" type="number" min="0" step="any" value=${limit.amount} onInput=${(e) => setLimit({ ...limit, amount: e.target.value })} /></label>
        <label>Unit <select name="limitUnit" value=${limit.unit} onChange=${(e) => setLimit({ ...limit, unit: e.target.value })}>
          ${Object.keys(UNITS).map((u) => html`<option value=${u}>${u}</option>`)}</select></label>
      </fieldset>
      ${FLAGS.map(([key, label, what]) => html`<div class="flag"><label class="check"><input type="checkbox" name=${key} checked=${form[key]} onChange=${(e) => set(key, e.target.checked)} aria-describedby=${`flag-${key}`} /> ${label}</label>
        <p class="muted small" id=${`flag-${key}`}>${what}</p></div>`)}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy}>${busy ? 'Saving…' : editing ? 'Save' : 'Create share'}</button></div>
    </form>
  <//>`;
}

/** The access matrix of one share: a row per user, a column per level. Owner and admins always have full. */
export function AccessDialog({ share, users, onClose, onDone }) {
  const acl = useApi(`/api/shares/${share.id}/acl`);
  const [changed, setChanged] = useState({});
  const stored = new Map((acl.data ? acl.data.items : []).map((e) => [e.userId, e.access]));
  const levelOf = (u) => changed[u.id] ?? stored.get(u.id) ?? 'none';
  const fixed = (u) => u.id === share.ownerId ? 'owner' : u.role === 'admin' ? 'administrator' : null;
  const { busy, error, submit } = useSubmit(async () => {
    const entries = users.filter((u) => !fixed(u) && levelOf(u) !== 'none').map((u) => ({ userId: u.id, access: levelOf(u) }));
    await api('PUT', `/api/shares/${share.id}/acl`, { entries });
    onDone(`Access to ${share.name} saved`);
    onClose();
  });
  return html`<${Dialog} title=${`Who may use ${share.name}`} onClose=${onClose}>
    <form class="stack wide" onSubmit=${submit}>
      <ul class="legend">${ACCESS.map(([v, label, what]) => html`<li><strong>${label}</strong>: ${what}</li>`)}</ul>
      <${Status} ...${acl} />
      ${acl.data && html`<div class="table-box"><table class="matrix">
        <thead><tr><th scope="col">User</th>${ACCESS.map(([v]) => html`<th scope="col">${v}</th>`)}</tr></thead>
        <tbody>${users.map((u) => html`<tr key=${u.id}><th scope="row">${u.username}${fixed(u) && html`<div class="muted small">${fixed(u)}: always full</div>`}</th>
          ${ACCESS.map(([v]) => html`<td><input type="radio" name=${`access-${u.id}`} value=${v} aria-label=${`${u.username}: ${v}`}
            checked=${fixed(u) ? v === 'full' : levelOf(u) === v} disabled=${!!fixed(u)} onChange=${() => setChanged({ ...changed, [u.id]: v })} /></td>`)}</tr>`)}</tbody>
      </table></div>`}
      <p class="muted">Changes apply at once to WebDAV, the file API and uploads, and to SMB at its next regeneration.</p>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy || !acl.data}>${busy ? 'Saving…' : 'Save access'}</button></div>
    </form>
  <//>`;
}

/** Deletes a share; with files in it the admin must tick and type the name, and the files go too. */
export function DeleteShareDialog({ share, onClose, onDone }) {
  const [typed, setTyped] = useState('');
  // Folders without files do not show in the counts: the server's refusal reveals them.
  const [hasFolders, setHasFolders] = useState(false);
  const hasFiles = share.files > 0;
  const { busy, error, submit } = useSubmit(async () => {
    try {
      await api('DELETE', `/api/shares/${share.id}${hasFiles || hasFolders ? '?deleteData=true' : ''}`);
    } catch (err) {
      if (err.status !== 409 || hasFiles || hasFolders) throw err;
      setHasFolders(true);
      throw new Error('The share still holds folders (no files). Press the button again to delete them with the share.');
    }
    onDone(`Deleted share ${share.name}`);
    onClose();
  });
  return html`<${Dialog} title=${`Delete share ${share.name}?`} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      ${hasFiles
        ? html`<p>The share holds <strong>${share.files} files (${formatBytes(share.usedBytes)})</strong>. They are <strong>deleted for good</strong> with it, for every user and every protocol.</p>`
        : html`<p>The share is empty. Its folder and its access list go; nobody loses files.</p>`}
      <label>Type <strong>${share.name}</strong> to confirm <input name="confirm" value=${typed} onInput=${(e) => setTyped(e.target.value)} autocomplete="off" /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="danger" disabled=${busy || typed !== share.name}>${busy ? 'Deleting…' : hasFiles ? 'Delete share and files' : 'Delete share'}</button></div>
    </form>
  <//>`;
}
