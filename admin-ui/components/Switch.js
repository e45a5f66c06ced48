// An on/off checkbox that saves at once, disabled while saving, with the server's refusal shown as a notice.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { notify } from './Notice.js';

/** `context` (e.g. the job's name) is added for screen readers. `onChange(next)` may be async; on failure the box shows the old state again and the error is announced. */
export function Switch({ label, context, checked, onChange }) {
  const [busy, setBusy] = useState(false);
  async function change(e) {
    const next = e.target.checked;
    setBusy(true);
    try {
      await onChange(next);
    } catch (err) {
      e.target.checked = !next;
      notify(`${label}${context ? ` (${context})` : ''}: ${err.message}`, 'error');
    } finally {
      setBusy(false);
    }
  }
  return html`<label class="check"><input type="checkbox" checked=${checked} disabled=${busy} onChange=${change} /> ${label}${context && html`<span class="sr-only"> (${context})</span>`}</label>`;
}
