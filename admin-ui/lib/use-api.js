// Hook: load an API resource, with loading/error state, a reload function and optional polling.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';

/**
 * GETs `path` (null: nothing). With `pollMs` the data refreshes in the background while the page
 * is visible, keeping the last data on screen during each refresh.
 */
export function useApi(path, { pollMs } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: path !== null });
  const seq = useRef(0);
  const load = useCallback((background = false) => {
    if (path === null) return;
    const mine = ++seq.current;
    if (!background) setState((s) => ({ ...s, loading: true }));
    api('GET', path).then(
      (data) => mine === seq.current && setState({ data, error: null, loading: false }),
      (error) => mine === seq.current && setState((s) => ({ data: background ? s.data : null, error, loading: false })),
    );
  }, [path]);
  useEffect(() => {
    load();
    if (!pollMs) return () => { seq.current++; };
    const timer = setInterval(() => { if (document.visibilityState === 'visible') load(true); }, pollMs);
    return () => { clearInterval(timer); seq.current++; };
  }, [load, pollMs]);
  return { ...state, reload: () => load(true) };
}
