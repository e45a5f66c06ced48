// Loading and error placeholders shared by the pages.
import { html } from 'htm/preact';

export function Status({ loading, error }) {
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (loading) return html`<p class="muted">Loading…</p>`;
  return null;
}

/** Human-readable byte count (binary units). */
export function formatBytes(n) {
  if (n === null || n === undefined) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
