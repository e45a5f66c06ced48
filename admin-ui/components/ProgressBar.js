// Progress and usage bars on the native <progress>/<meter> elements (no inline style needed).
import { html } from 'htm/preact';
import { formatBytes } from './Status.js';

/** A labelled progress bar; `value` and `max` in any unit. */
export function ProgressBar({ label, value, max }) {
  return html`<progress class="bar" aria-label=${label} value=${value} max=${max || 1}>${Math.round((100 * value) / (max || 1))} %</progress>`;
}

/** Storage used against a quota, with the numbers in words (colour is never the only signal). */
export function UsageBar({ used, quota, label = 'Storage used', noLimit = 'no quota' }) {
  if (quota === null || quota === undefined) {
    return html`<div class="usage"><span>${label}: <strong>${formatBytes(used)}</strong> (${noLimit})</span></div>`;
  }
  const pct = quota === 0 ? 100 : Math.min(100, Math.round((100 * used) / quota));
  return html`<div class="usage">
    <span>${label}: <strong>${formatBytes(used)}</strong> of ${formatBytes(quota)} (${pct} %)${used > quota ? html` <span class="badge bad">over quota</span>` : ''}</span>
    <meter aria-label=${label} min="0" max=${quota || 1} low=${quota * 0.8} high=${quota * 0.95} optimum="0" value=${Math.min(used, quota)}></meter>
  </div>`;
}
