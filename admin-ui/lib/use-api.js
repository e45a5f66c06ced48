// Hook: load an API resource, with loading/error state and a reload function.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

export function useApi(path) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const load = useCallback(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    api('GET', path).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => { live = false; };
  }, [path]);
  useEffect(load, [load]);
  return { ...state, reload: load };
}
