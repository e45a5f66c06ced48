// Files (/files/...): browse home and shares, manage files and folders, upload with tus.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Link, filesUrl, vfsPathOf } from '../lib/router.js';
import { saveFromApi } from '../lib/download.js';
import { Status } from '../components/Status.js';
import { UsageBar } from '../components/ProgressBar.js';
import { ConfirmDialog } from '../components/Dialog.js';
import { FileTable } from '../components/FileTable.js';
import { FolderPicker, NameDialog, PreviewDialog, canPreview } from '../components/FileDialogs.js';
import { UploadPanel } from '../components/UploadPanel.js';
import { notify } from '../components/Notice.js';

const join = (dir, name) => (dir === '/' ? '' : dir) + '/' + name;
const baseName = (p) => p.slice(p.lastIndexOf('/') + 1);

/** What the user may do in `folder`: write in their home (and admins in /homes) and in shares they may write. */
function accessOf(folder, shares, user) {
  const top = folder.split('/')[1] || '';
  if (top === '') return { writable: false, label: null };
  if (top === 'home' || (top === 'homes' && user.role === 'admin')) return { writable: folder !== '/homes', label: null };
  const share = shares.find((s) => s.name === top);
  if (!share) return { writable: false, label: null };
  const writable = share.access === 'write' || share.access === 'full' || user.role === 'admin';
  return { writable, label: writable ? null : 'read-only for you' };
}

function Breadcrumbs({ folder }) {
  const parts = folder.split('/').filter(Boolean);
  return html`<nav class="crumbs" aria-label="Breadcrumbs"><ol>
    <li><${Link} href="/files" aria-current=${parts.length === 0 ? 'page' : undefined}>All files<//></li>
    ${parts.map((p, i) => {
      const path = '/' + parts.slice(0, i + 1).join('/');
      return html`<li><${Link} href=${filesUrl(path)} aria-current=${i === parts.length - 1 ? 'page' : undefined}>${p}<//></li>`;
    })}
  </ol></nav>`;
}

export function Files({ user, path }) {
  const folder = vfsPathOf(path);
  const [sort, setSort] = useState({ sort: 'name', order: 'asc' });
  const [filter, setFilter] = useState('');
  const [selected, setSelected] = useState(new Set());
  const [dialog, setDialog] = useState(null);
  const query = new URLSearchParams({ path: folder, sort: sort.sort, order: sort.order, limit: '1000' });
  const list = useApi(`/api/files/list?${query}`);
  const shares = useApi('/api/shares');
  const usage = useApi('/api/usage');
  useEffect(() => { setSelected(new Set()); setFilter(''); }, [folder]);

  const shareItems = shares.data ? shares.data.items : [];
  const access = accessOf(folder, shareItems, user);
  const entries = list.data ? list.data.items : [];
  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return f ? entries.filter((e) => e.name.toLowerCase().includes(f)) : entries;
  }, [entries, filter]);
  const chosen = entries.filter((e) => selected.has(e.path));
  const refresh = () => { list.reload(); usage.reload(); setSelected(new Set()); };

  const toggle = (p) => { const s = new Set(selected); if (s.has(p)) s.delete(p); else s.add(p); setSelected(s); };
  const toggleAll = (on) => setSelected(new Set(on ? shown.filter((e) => !e.virtual).map((e) => e.path) : []));

  async function download(entry) {
    try {
      if (entry.type === 'directory') await saveFromApi(`/api/files/zip?${new URLSearchParams({ path: entry.path })}`, `${entry.name}.zip`);
      else await saveFromApi(`/api/files/download?${new URLSearchParams({ path: entry.path })}`, entry.name);
    } catch (err) {
      notify(`Download of ${entry.name} failed: ${err.message}`, 'error');
    }
  }
  /** One chosen entry downloads as itself; several download together as one zip named after the folder. */
  async function downloadChosen() {
    if (chosen.length === 1) return download(chosen[0]);
    try {
      await saveFromApi('/api/files/zip', `${baseName(folder) || 'files'}.zip`, { paths: chosen.map((e) => e.path) });
    } catch (err) {
      notify(`Download of ${chosen.length} items failed: ${err.message}`, 'error');
    }
  }
  const open = (entry) => (canPreview(entry.name) ? setDialog({ kind: 'preview', entry }) : download(entry));

  async function transfer(kind, dest) {
    for (const e of chosen) await api('POST', `/api/files/${kind}`, { from: e.path, to: join(dest, e.name) });
    notify(`${kind === 'move' ? 'Moved' : 'Copied'} ${chosen.length} item${chosen.length === 1 ? '' : 's'} to ${dest}`);
    refresh();
  }
  async function remove() {
    for (const e of chosen) await api('DELETE', `/api/files?${new URLSearchParams({ path: e.path })}`);
    notify(`Deleted ${chosen.length} item${chosen.length === 1 ? '' : 's'}`);
    refresh();
  }
  const lost = chosen.map((e) => (e.type === 'directory' ? `the folder “${e.name}” and everything in it` : `“${e.name}”`)).join(', ');
  const w = access.writable;

  return html`<section class="files-page">
    <div class="page-head"><h1>Files</h1>
      ${usage.data && html`<${UsageBar} used=${usage.data.usedBytes} quota=${usage.data.quotaBytes} label="Your storage" />`}</div>
    <${Breadcrumbs} folder=${folder} />
    ${access.label && html`<p><span class="badge warning">${access.label}</span> You can open and download files here, but not change them.</p>`}
    <div class="toolbar" role="toolbar" aria-label="File actions">
      <label class="filter">Filter by name <input type="search" name="filter" value=${filter} onInput=${(e) => setFilter(e.target.value)} /></label>
      <button disabled=${!w} onClick=${() => setDialog({ kind: 'mkdir' })}>New folder</button>
      <button class="secondary" disabled=${!w || chosen.length !== 1} onClick=${() => setDialog({ kind: 'rename', entry: chosen[0] })}>Rename</button>
      <button class="secondary" disabled=${!w || chosen.length === 0} onClick=${() => setDialog({ kind: 'move' })}>Move</button>
      <button class="secondary" disabled=${chosen.length === 0} onClick=${() => setDialog({ kind: 'copy' })}>Copy</button>
      <button class="secondary" disabled=${chosen.length === 0} onClick=${downloadChosen}>Download</button>
      ${folder !== '/' && html`<button class="secondary" onClick=${() => download({ type: 'directory', path: folder, name: baseName(folder) })}>Download folder as zip</button>`}
      <button class="danger" disabled=${!w || chosen.length === 0} onClick=${() => setDialog({ kind: 'delete' })}>Delete</button>
    </div>
    <${Status} ...${list} />
    ${list.data && shown.length === 0 && html`<p class="muted empty">${filter ? 'Nothing here matches the filter.' : 'This folder is empty.'}</p>`}
    ${list.data && shown.length > 0 && html`<${FileTable} entries=${shown} selected=${selected} onToggle=${toggle} onToggleAll=${toggleAll}
      sort=${sort.sort} order=${sort.order} onSort=${(s, o) => setSort({ sort: s, order: o })} onOpen=${open} />`}
    ${list.data && html`<p class="muted">${list.data.total} item${list.data.total === 1 ? '' : 's'}${chosen.length ? `, ${chosen.length} selected` : ''}</p>`}
    ${folder !== '/' && html`<${UploadPanel} folder=${folder} writable=${w} onUploaded=${() => { list.reload(); usage.reload(); }} />`}

    ${dialog && dialog.kind === 'mkdir' && html`<${NameDialog} title="New folder" label="Folder name" submitLabel="Create folder"
      onSubmit=${async (name) => { await api('POST', '/api/files/mkdir', { path: join(folder, name) }); notify(`Created folder ${name}`); refresh(); }}
      onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.kind === 'rename' && html`<${NameDialog} title=${`Rename ${dialog.entry.name}`} label="New name" initial=${dialog.entry.name} submitLabel="Rename"
      onSubmit=${async (name) => { await api('POST', '/api/files/move', { from: dialog.entry.path, to: join(folder, name) }); notify(`Renamed to ${name}`); refresh(); }}
      onClose=${() => setDialog(null)} />`}
    ${dialog && (dialog.kind === 'move' || dialog.kind === 'copy') && html`<${FolderPicker} title=${`${dialog.kind === 'move' ? 'Move' : 'Copy'} ${chosen.length} item${chosen.length === 1 ? '' : 's'} to…`}
      start=${folder} submitLabel=${dialog.kind === 'move' ? 'Move here' : 'Copy here'} onSubmit=${(dest) => transfer(dialog.kind, dest)} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.kind === 'delete' && html`<${ConfirmDialog} title="Delete for good?"
      message=${`This deletes ${lost}. There is no undo.`} confirmLabel=${`Delete ${chosen.length} item${chosen.length === 1 ? '' : 's'}`}
      onConfirm=${remove} onClose=${() => setDialog(null)} />`}
    ${dialog && dialog.kind === 'preview' && html`<${PreviewDialog} entry=${dialog.entry} onDownload=${() => download(dialog.entry)} onClose=${() => setDialog(null)} />`}
  </section>`;
}
