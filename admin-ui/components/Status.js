// Loading, empty and error states shared by the pages, and number formatting.
import { html } from 'htm/preact';

/** "Loading…" or the server's error message; nothing once loaded. */
export function Status({ loading, error }) {
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (loading) return html`<p class="muted" role="status">Loading…</p>`;
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

/** A date that reads well: time today, day and month this year, the full date otherwise. */
export function formatDate(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString([], { day: 'numeric', month: 'short' });
  return d.toLocaleDateString();
}

/** Seconds → "1 h 5 min", "3 min", "12 s". */
export function formatDuration(s) {
  if (!Number.isFinite(s) || s < 0) return '—';
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
  if (s >= 60) return `${Math.round(s / 60)} min`;
  return `${Math.max(1, Math.round(s))} s`;
}
