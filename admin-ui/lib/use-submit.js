// Hook: a form's submit with pending and error state, so every form shows progress and the server's message.
import { useState } from 'preact/hooks';

/**
 * Returns `{ busy, error, submit }`: `submit` is the form's onSubmit handler. It runs `action()`
 * (which may be async and throw) with `busy` set, and keeps the thrown message in `error`.
 */
export function useSubmit(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function submit(e) {
    if (e) e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}
