// Upload controls: pick or drop files and folders, then per-file and overall progress with
// speed and time left, pause, resume and cancel.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { addUploads, cancelUpload, clearFinished, onUploads, pauseUpload, resumeUpload, unfinishedUploads } from '../lib/uploads.js';
import { ProgressBar } from './ProgressBar.js';
import { formatBytes, formatDuration } from './Status.js';
import { notify } from './Notice.js';

/** Reads a dropped folder tree (webkitGetAsEntry) into {file, relativePath} entries. */
async function readEntry(entry, prefix, out) {
  if (entry.isFile) {
    const file = await new Promise((ok, fail) => entry.file(ok, fail));
    out.push({ file, relativePath: prefix + file.name });
    return;
  }
  const reader = entry.createReader();
  for (;;) {
    const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const child of batch) await readEntry(child, `${prefix}${entry.name}/`, out);
  }
}

function Item({ item }) {
  const left = item.speed > 0 ? (item.total - item.sent) / item.speed : NaN;
  return html`<li class="upload">
    <div class="upload-head"><strong class="path">${item.name}</strong>
      <span class=${'badge ' + (item.state === 'done' ? 'ok' : item.state === 'failed' ? 'bad' : '')}>${item.state}</span></div>
    <${ProgressBar} label=${`Upload of ${item.name}`} value=${item.sent} max=${item.total} />
    <div class="muted">${formatBytes(item.sent)} of ${formatBytes(item.total)}
      ${item.state === 'uploading' && item.speed > 0 ? ` · ${formatBytes(item.speed)}/s · ${formatDuration(left)} left` : ''}
      ${item.resumed ? ' · resumed' : ''} · to ${item.folder}</div>
    ${item.error && html`<p class="error" role="alert">${item.error}</p>`}
    <div class="actions">
      ${item.state === 'uploading' && html`<button class="secondary" onClick=${() => pauseUpload(item.id)}>Pause</button>`}
      ${(item.state === 'paused' || item.state === 'failed') && html`<button class="secondary" onClick=${() => resumeUpload(item.id)}>Resume</button>`}
      ${['queued', 'uploading', 'paused', 'failed'].includes(item.state) && html`<button class="secondary" onClick=${() => cancelUpload(item.id)}>Cancel</button>`}
    </div>
  </li>`;
}

/** Upload area for the folder `folder`; `onUploaded` runs after each finished file. */
export function UploadPanel({ folder, writable, onUploaded }) {
  const [list, setList] = useState([]);
  const [over, setOver] = useState(false);
  const [stale, setStale] = useState([]);
  const files = useRef(null);
  const dirs = useRef(null);
  useEffect(() => onUploads(setList), []);
  useEffect(() => { unfinishedUploads().then(setStale); }, [list.length]);

  async function queue(entries) {
    if (entries.length === 0) return;
    try {
      await addUploads(folder, entries, onUploaded);
    } catch (err) {
      notify(`Upload not started: ${err.message}`, 'error');
    }
  }
  const picked = (e, withPaths) => {
    const chosen = [...e.target.files].map((file) => ({ file, relativePath: withPaths ? file.webkitRelativePath : undefined }));
    e.target.value = '';
    queue(chosen);
  };
  async function drop(e) {
    e.preventDefault();
    setOver(false);
    if (!writable) return;
    const out = [];
    for (const it of [...e.dataTransfer.items]) {
      const entry = it.webkitGetAsEntry && it.webkitGetAsEntry();
      if (entry) await readEntry(entry, '', out);
      else if (it.kind === 'file') out.push({ file: it.getAsFile() });
    }
    queue(out);
  }

  const active = list.filter((i) => ['queued', 'uploading', 'paused'].includes(i.state));
  const total = active.reduce((n, i) => n + i.total, 0);
  const sent = active.reduce((n, i) => n + i.sent, 0);
  const speed = active.reduce((n, i) => n + (i.state === 'uploading' ? i.speed : 0), 0);
  const resumable = stale.filter((s) => !list.some((i) => i.name === s.metadata.filename && ['uploading', 'queued'].includes(i.state)));

  return html`<section class="uploads card" aria-label="Uploads">
    ${writable ? html`<div class=${'dropzone' + (over ? ' over' : '')} onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave=${() => setOver(false)} onDrop=${drop}>
      <p>Drop files or folders here, or</p>
      <div class="actions">
        <button type="button" onClick=${() => files.current.click()}>Upload files</button>
        <button type="button" class="secondary" onClick=${() => dirs.current.click()}>Upload a folder</button>
      </div>
      <input ref=${files} class="hidden" type="file" multiple aria-label="Files to upload" name="files" onChange=${(e) => picked(e, false)} />
      <input ref=${dirs} class="hidden" type="file" webkitdirectory multiple aria-label="Folder to upload" name="folder" onChange=${(e) => picked(e, true)} />
    </div>` : html`<p class="muted">You can only read this folder: uploads are off.</p>`}
    ${resumable.length > 0 && html`<div class="muted"><strong>Unfinished uploads:</strong> pick the same file again into the same folder to resume
      ${resumable.map((s) => html` <span class="badge">${s.metadata.filename} (${formatBytes(s.size)} → ${s.metadata.folder})</span>`)}</div>`}
    ${active.length > 0 && html`<div class="overall">
      <strong>${active.length} upload${active.length === 1 ? '' : 's'}</strong>: ${formatBytes(sent)} of ${formatBytes(total)}
      ${speed > 0 ? ` · ${formatBytes(speed)}/s · ${formatDuration((total - sent) / speed)} left` : ''}
      <${ProgressBar} label="All uploads" value=${sent} max=${total} /></div>`}
    ${list.length > 0 && html`<ul class="upload-list">${list.map((i) => html`<${Item} key=${i.id} item=${i} />`)}</ul>
      <button class="secondary" onClick=${clearFinished}>Clear finished</button>`}
  </section>`;
}
