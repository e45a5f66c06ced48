// Toasts: one live region that announces what an action did or the server's message.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';

const listeners = new Set();
let nextId = 1;

/** Shows a short message; kind is "ok" or "error" (errors stay until dismissed). */
export function notify(text, kind = 'ok') {
  const n = { id: nextId++, text, kind };
  for (const fn of listeners) fn(n);
}

export function Notices() {
  const [items, setItems] = useState([]);
  useEffect(() => {
    const add = (n) => {
      setItems((list) => [...list.slice(-3), n]);
      if (n.kind !== 'error') setTimeout(() => setItems((list) => list.filter((x) => x.id !== n.id)), 5000);
    };
    listeners.add(add);
    return () => listeners.delete(add);
  }, []);
  return html`<div class="notices" role="status" aria-live="polite">
    ${items.map((n) => html`<div key=${n.id} class=${'notice ' + n.kind}>
      <span>${n.kind === 'error' ? 'Error: ' : ''}${n.text}</span>
      <button class="link" aria-label="Dismiss" onClick=${() => setItems((l) => l.filter((x) => x.id !== n.id))}>×</button></div>`)}
  </div>`;
}
