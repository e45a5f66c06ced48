// An on/off checkbox that saves at once, disabled while saving, with the server's refusal shown as a notice.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { notify } from './Notice.js';

/**
 * `context` (e.g. the job's name) is added for screen readers. `onChange(next)` may be async; the
 * box shows the new state until the caller's `checked` catches up (a re-render in between would
 * otherwise flip it back), and the old state again on failure, with the error announced.
 */
export function Switch({ label, context, checked, onChange }) {
  const [busy, setBusy] = useState(false);
  const [pending, setPending] = useState(null);
  useEffect(() => setPending(null), [checked]);
  async function change(e) {
    const next = e.target.checked;
    setBusy(true);
    setPending(next);
    try {
      await onChange(next);
    } catch (err) {
      setPending(null);
      notify(`${label}${context ? ` (${context})` : ''}: ${err.message}`, 'error');
    } finally {
      setBusy(false);
    }
  }
  return html`<label class="check"><input type="checkbox" checked=${pending ?? checked} disabled=${busy} onChange=${change} /> ${label}${context && html`<span class="sr-only"> (${context})</span>`}</label>`;
}
