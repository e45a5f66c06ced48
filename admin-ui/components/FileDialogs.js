// Dialogs of the Files page: a name prompt, a destination picker and a safe preview.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, apiBlob } from '../lib/api.js';
import { Dialog } from './Dialog.js';
import { Status } from './Status.js';
import { useSubmit } from '../lib/use-submit.js';

/** Asks for a name (new folder, rename); `onSubmit(name)` may be async and throw. */
export function NameDialog({ title, label, initial = '', submitLabel, onSubmit, onClose }) {
  const [name, setName] = useState(initial);
  const { busy, error, submit } = useSubmit(async () => {
    await onSubmit(name.trim());
    onClose();
  });
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label>${label} <input name="name" value=${name} onInput=${(e) => setName(e.target.value)} required autofocus /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy || !name.trim()}>${busy ? 'Working…' : submitLabel}</button></div>
    </form>
  <//>`;
}

const parentOf = (p) => p.replace(/\/[^/]+$/, '') || '/';

/** Browses folders to pick a destination for move/copy. */
export function FolderPicker({ title, start, submitLabel, onSubmit, onClose }) {
  const [folder, setFolder] = useState(start);
  const [list, setList] = useState({ loading: true, error: null, items: [] });
  useEffect(() => {
    setList({ loading: true, error: null, items: [] });
    api('GET', `/api/files/list?${new URLSearchParams({ path: folder, limit: '1000' })}`).then(
      (d) => setList({ loading: false, error: null, items: d.items.filter((e) => e.type === 'directory') }),
      (err) => setList({ loading: false, error: err, items: [] }),
    );
  }, [folder]);
  const { busy, error, submit } = useSubmit(async () => {
    await onSubmit(folder);
    onClose();
  });
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <p>Destination: <strong class="path">${folder}</strong></p>
      <${Status} ...${list} />
      <ul class="picker" aria-label="Folders">
        ${folder !== '/' && html`<li><button type="button" class="link" onClick=${() => setFolder(parentOf(folder))}>↑ Up one level</button></li>`}
        ${list.items.map((e) => html`<li key=${e.path}><button type="button" class="link" onClick=${() => setFolder(e.path)}><span class="icon folder" aria-hidden="true"></span>${e.name}</button></li>`)}
        ${!list.loading && !list.error && list.items.length === 0 && html`<li class="muted">No folders here.</li>`}
      </ul>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions"><button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" disabled=${busy || folder === '/'}>${busy ? 'Working…' : submitLabel}</button></div>
    </form>
  <//>`;
}

const IMAGE = /\.(png|jpe?g|gif|webp)$/i;
const TEXT = /\.(txt|md|log|csv|json|xml|ya?ml|ini|conf|sh|js|ts|css|html?)$/i;

/** True when the API's safe preview can show this file. */
export function canPreview(name) {
  return IMAGE.test(name) || TEXT.test(name);
}

/** Shows an image or text through /api/files/preview (never rendered as HTML). */
export function PreviewDialog({ entry, onDownload, onClose }) {
  const [state, setState] = useState({ loading: true, error: null });
  useEffect(() => {
    let url = null;
    apiBlob(`/api/files/preview?${new URLSearchParams({ path: entry.path })}`).then(async (blob) => {
      if (IMAGE.test(entry.name)) { url = URL.createObjectURL(blob); setState({ loading: false, image: url }); }
      else setState({ loading: false, text: await blob.text() });
    }, (error) => setState({ loading: false, error }));
    return () => url && URL.revokeObjectURL(url);
  }, [entry.path]);
  return html`<${Dialog} title=${entry.name} onClose=${onClose}>
    <${Status} ...${state} />
    ${state.image && html`<img class="preview" src=${state.image} alt=${`Preview of ${entry.name}`} />`}
    ${state.text !== undefined && html`<pre class="preview" tabindex="0">${state.text}</pre>`}
    <div class="actions"><button type="button" class="secondary" onClick=${onDownload}>Download</button>
      <button type="button" onClick=${onClose}>Close</button></div>
  <//>`;
}
