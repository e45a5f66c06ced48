// The file list: a table on wide screens, cards on a phone (CSS), with selection and sorting.
import { html } from 'htm/preact';
import { Link, filesUrl } from '../lib/router.js';
import { formatBytes, formatDate } from './Status.js';

const COLUMNS = [['name', 'Name'], ['size', 'Size'], ['mtime', 'Modified']];

function SortButton({ sort, order, onSort, col, label }) {
  const active = sort === col;
  const next = active && order === 'asc' ? 'desc' : 'asc';
  return html`<button class="link sort" onClick=${() => onSort(col, next)} aria-label=${`Sort by ${label.toLowerCase()}${active ? `, now ${order === 'asc' ? 'ascending' : 'descending'}` : ''}`}>
    ${label}${active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</button>`;
}

/** Rows of entries; `selected` is a Set of paths. Clicking a file name opens it (preview or download). */
export function FileTable({ entries, selected, onToggle, onToggleAll, sort, order, onSort, onOpen }) {
  const selectable = entries.filter((e) => !e.virtual);
  const all = selectable.length > 0 && selectable.every((e) => selected.has(e.path));
  return html`<div class="table-box" tabindex="0"><table class="files">
    <thead><tr>
      <th class="check"><input type="checkbox" aria-label="Select all" checked=${all} disabled=${selectable.length === 0} onChange=${() => onToggleAll(!all)} /></th>
      ${COLUMNS.map(([col, label]) => html`<th scope="col" aria-sort=${sort === col ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
        <${SortButton} sort=${sort} order=${order} onSort=${onSort} col=${col} label=${label} /></th>`)}
    </tr></thead>
    <tbody>${entries.map((e) => html`<tr key=${e.path} class=${selected.has(e.path) ? 'selected' : ''}>
      <td class="check"><input type="checkbox" aria-label=${`Select ${e.name}`} checked=${selected.has(e.path)} disabled=${e.virtual} onChange=${() => onToggle(e.path)} /></td>
      <td class="name">${e.type === 'directory'
        ? html`<${Link} href=${filesUrl(e.path)}><span class="icon folder" aria-hidden="true"></span>${e.name}<//>`
        : html`<button class="link" onClick=${() => onOpen(e)}><span class="icon file" aria-hidden="true"></span>${e.name}</button>`}</td>
      <td class="size" data-label="Size">${e.type === 'directory' ? '—' : formatBytes(e.size)}</td>
      <td class="date" data-label="Modified">${formatDate(e.mtimeMs)}</td>
    </tr>`)}</tbody>
  </table></div>`;
}
