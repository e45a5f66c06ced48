// The open-alert counts behind the nav badge: one poll for the whole UI, refreshed at once after an
// acknowledgement so the badge never lags behind the page.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

const POLL_MS = 30_000;
const listeners = new Set();
let current = null;
let timer = null;

function publish(counts) {
  current = counts;
  for (const fn of listeners) fn(counts);
}

/** Fetches the counts now and tells every badge; a failure is published as `{ error }`. */
export function refreshAlertCounts() {
  return api('GET', '/api/alerts/counts').then(publish, (err) => publish({ error: err.message }));
}

/** `{ open, unacknowledged, critical }`, `{ error }`, or null until the first answer. */
export function useAlertCounts() {
  const [counts, setCounts] = useState(current);
  useEffect(() => {
    listeners.add(setCounts);
    if (listeners.size === 1) {
      refreshAlertCounts();
      timer = setInterval(() => { if (document.visibilityState === 'visible') refreshAlertCounts(); }, POLL_MS);
    }
    return () => {
      listeners.delete(setCounts);
      if (listeners.size === 0) { clearInterval(timer); timer = null; }
    };
  }, []);
  return counts;
}
