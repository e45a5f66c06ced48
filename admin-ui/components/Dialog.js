// Modal dialogs on the native <dialog>: focus moves in on open and back to the opener on close.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from 'htm/preact';

/** A modal with a heading; `onClose` runs on Escape, the close button or the backdrop form. */
export function Dialog({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const opener = document.activeElement;
    const el = ref.current;
    el.showModal();
    const cancel = (e) => { e.preventDefault(); onClose(); };
    el.addEventListener('cancel', cancel);
    return () => {
      el.removeEventListener('cancel', cancel);
      if (el.open) el.close();
      if (opener && opener.focus) opener.focus();
    };
  }, []);
  return html`<dialog ref=${ref} class="dialog" aria-labelledby="dialog-title">
    <h2 id="dialog-title">${title}</h2>
    ${children}
  </dialog>`;
}

/**
 * Asks before something destructive, naming what will be lost. With `typeToConfirm` the user must
 * type that text first. `onConfirm` may be async: its error is shown in the dialog.
 */
export function ConfirmDialog({ title, message, confirmLabel = 'Delete', typeToConfirm, onConfirm, onClose }) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  // A second click or Enter can arrive before the re-render that disables the button: the ref
  // blocks it synchronously, and the typed name is checked again here, not only by `disabled`.
  const inFlight = useRef(false);
  const blocked = typeToConfirm !== undefined && typed !== typeToConfirm;
  async function submit(e) {
    e.preventDefault();
    if (blocked || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err.message);
      setBusy(false);
      inFlight.current = false;
    }
  }
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <p>${message}</p>
      ${typeToConfirm !== undefined && html`<label>Type <strong>${typeToConfirm}</strong> to confirm
        <input name="confirm" value=${typed} onInput=${(e) => setTyped(e.target.value)} autocomplete="off" /></label>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="actions">
        <button type="button" class="secondary" onClick=${onClose}>Cancel</button>
        <button type="submit" class="danger" disabled=${busy || blocked}>${busy ? 'Working…' : confirmLabel}</button>
      </div>
    </form>
  <//>`;
}
