// Newer/older paging under a list, with where the page is in words.
import { html } from 'htm/preact';

/** `page` counts from 0; `label` names the list for screen readers ("Audit pages"). */
export function Pager({ page, pageSize, total, onPage, label }) {
  if (!total) return null;
  const first = page * pageSize + 1;
  const last = Math.min(total, (page + 1) * pageSize);
  return html`<nav class="pager" aria-label=${label}>
    <span class="muted">${first}–${last} of ${total}</span>
    <button type="button" class="secondary" disabled=${page === 0} onClick=${() => onPage(page - 1)}>Newer</button>
    <button type="button" class="secondary" disabled=${last >= total} onClick=${() => onPage(page + 1)}>Older</button>
  </nav>`;
}
