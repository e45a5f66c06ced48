// One md array: state, members with their roles, sync progress, and the actions. Each action that
// can cost data asks for the device name to be typed; the server still refuses what would lose data.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { ConfirmDialog } from './Dialog.js';
import { ProgressBar } from './ProgressBar.js';
import { notify } from './Notice.js';
import { formatBytes, formatDuration } from './Status.js';

const SYNC_WORDS = { resync: 'Resync', recovery: 'Rebuild', check: 'Scrub (check)', repair: 'Repair', reshape: 'Reshape' };

/** The running (or waiting) sync of an array with speed and time left, or "idle". */
export function SyncProgress({ name, sync }) {
  if (!sync) return html`<p class="muted">No sync running.</p>`;
  const what = SYNC_WORDS[sync.action] || sync.action;
  if (sync.percent === null) return html`<p>${what} ${sync.status}</p>`;
  const speed = sync.speedKiBs === null ? '' : ` · ${formatBytes(sync.speedKiBs * 1024)}/s`;
  const left = sync.finishMinutes === null ? '' : ` · ${formatDuration(sync.finishMinutes * 60)} left`;
  return html`<div class="sync">
    <p><strong>${what}</strong> <span class="sync-text">${sync.percent.toFixed(1)} %${speed}${left}</span> <span class="muted">(${sync.status})</span></p>
    <${ProgressBar} label=${`${what} of ${name}`} value=${sync.percent} max=${100} />
  </div>`;
}

function stateBadge(array) {
  if (array.degraded) return html`<span class="badge bad">degraded</span>`;
  if (array.state === 'inactive') return html`<span class="badge warning">inactive</span>`;
  return html`<span class="badge ok">${array.state}</span>`;
}

function roleText(m) {
  if (m.role === 'active') return m.slot === null ? 'active' : `active, slot ${m.slot}`;
  return m.role;
}

/** What each confirmed action says it does, and the request it makes. */
function plan(array, a) {
  const n = array.name;
  switch (a.kind) {
    case 'fail':
      return {
        title: `Mark ${a.device} failed in ${n}`,
        message: `${n} stops using ${a.device} at once. ${array.level === 'raid0' ? '' : `Until a disk is added and rebuilt, ${n} has one copy fewer: one more failure there could lose data.`} The server refuses if ${n} would lose data.`,
        label: 'Mark failed', confirm: a.device, run: () => api('POST', `/api/raid/arrays/${n}/members/${a.device}/fail`), done: `${a.device} is marked failed in ${n}`,
      };
    case 'remove':
      return {
        title: `Remove ${a.device} from ${n}`,
        message: `${a.device} leaves ${n}. Its data is no longer part of the array; to use it in ${n} again it must be added and rebuilt from scratch.`,
        label: 'Remove', confirm: a.device, run: () => api('DELETE', `/api/raid/arrays/${n}/members/${a.device}`), done: `${a.device} was removed from ${n}`,
      };
    case 'add':
      return {
        title: `Add ${a.device} to ${n}`,
        message: `Everything on ${a.device} is overwritten. ${array.degraded ? `${n} rebuilds onto it right away.` : `It becomes a spare that ${n} rebuilds onto when a member fails.`}`,
        label: 'Add disk', confirm: a.device, run: () => api('POST', `/api/raid/arrays/${n}/members`, { device: a.device }), done: `${a.device} was added to ${n}`,
      };
    case 'replace':
      return {
        title: `Replace ${a.replace} with ${a.device} in ${n}`,
        message: `Everything on ${a.device} is overwritten. ${n} copies ${a.replace} onto it while ${a.replace} keeps serving, then marks ${a.replace} failed.`,
        label: 'Replace', confirm: a.device, run: () => api('POST', `/api/raid/arrays/${n}/members`, { device: a.device, replace: a.replace }), done: `${n} is copying ${a.replace} onto ${a.device}`,
      };
    default:
      return {
        title: `Stop the scrub of ${n}`,
        message: `The check of ${n} stops before it has read every block; mismatches found so far are kept. You can start a new scrub later.`,
        label: 'Stop scrub', confirm: n, run: () => api('DELETE', `/api/raid/arrays/${n}/scrub`), done: `The scrub of ${n} was stopped`,
      };
  }
}

function AddOrReplace({ array, candidates, onPick }) {
  const [device, setDevice] = useState('');
  const [use, setUse] = useState('add');
  const active = array.members.filter((m) => m.role === 'active');
  const chosen = candidates.includes(device) ? device : candidates[0] || '';
  if (candidates.length === 0) return html`<p class="muted">No free disk to add: every block device is mounted, in use or in an array.</p>`;
  const submit = (e) => {
    e.preventDefault();
    onPick(use === 'add' ? { kind: 'add', device: chosen } : { kind: 'replace', device: chosen, replace: use });
  };
  return html`<form class="inline" onSubmit=${submit} aria-label=${`Add or replace a disk in ${array.name}`}>
    <label>Free disk <select name="device" value=${chosen} onChange=${(e) => setDevice(e.target.value)}>
      ${candidates.map((d) => html`<option value=${d}>${d}</option>`)}</select></label>
    <label>Use it to <select name="use" value=${use} onChange=${(e) => setUse(e.target.value)}>
      <option value="add">${array.degraded ? 'rebuild the array' : 'add as a spare'}</option>
      ${active.map((m) => html`<option value=${m.device}>replace ${m.device}</option>`)}</select></label>
    <button type="submit" class="secondary">Continue…</button>
  </form>`;
}

/** An array's card; `onChanged` reloads the listing after an action. */
export function RaidArrayCard({ array, candidates, onChanged }) {
  const [pending, setPending] = useState(null);
  const [scrubbing, setScrubbing] = useState(false);
  const scrubRunning = array.sync && (array.sync.action === 'check' || array.sync.action === 'repair');
  async function startScrub() {
    setScrubbing(true);
    try {
      await api('POST', `/api/raid/arrays/${array.name}/scrub`);
      notify(`A scrub of ${array.name} started`);
    } catch (err) {
      notify(`Could not start a scrub of ${array.name}: ${err.message}`, 'error');
    } finally {
      setScrubbing(false);
      onChanged();
    }
  }
  const p = pending && plan(array, pending);
  return html`<article class="card raid" aria-labelledby=${`array-${array.name}`}>
    <div class="page-head">
      <h3 id=${`array-${array.name}`}>${array.name} <small class="muted">${array.level || 'unknown level'} · ${formatBytes(array.sizeBytes)}</small></h3>
      ${stateBadge(array)}
    </div>
    <p class="muted">${array.disks.active} of ${array.disks.total} members in sync${array.disks.failed ? `, ${array.disks.failed} failed` : ''}${array.disks.spare ? `, ${array.disks.spare} spare` : ''}.</p>
    <${SyncProgress} name=${array.name} sync=${array.sync} />
    <h4>Members</h4>
    <ul class="members plain">
      ${array.members.map((m) => html`<li key=${m.device}>
        <span><strong>${m.device}</strong> <span class=${'badge ' + (m.role === 'faulty' ? 'bad' : m.role === 'spare' ? 'info' : 'ok')}>${roleText(m)}</span></span>
        <span class="actions">
          ${m.role !== 'faulty' && html`<button class="secondary" onClick=${() => setPending({ kind: 'fail', device: m.device })}>Mark ${m.device} failed…</button>`}
          ${m.role !== 'active' && html`<button class="secondary" onClick=${() => setPending({ kind: 'remove', device: m.device })}>Remove ${m.device}…</button>`}
        </span>
      </li>`)}
    </ul>
    <h4>Add or replace a disk</h4>
    <${AddOrReplace} array=${array} candidates=${candidates} onPick=${setPending} />
    <div class="actions">
      ${scrubRunning
        ? html`<button class="secondary" onClick=${() => setPending({ kind: 'stop-scrub' })}>Stop scrub…</button>`
        : html`<button class="secondary" disabled=${scrubbing} onClick=${startScrub}>${scrubbing ? 'Starting…' : 'Start scrub'}</button>`}
    </div>
    ${p && html`<${ConfirmDialog} title=${p.title} message=${p.message} confirmLabel=${p.label} typeToConfirm=${p.confirm}
      onConfirm=${async () => { await p.run(); notify(p.done); onChanged(); }} onClose=${() => setPending(null)} />`}
  </article>`;
}
