// Saves an authenticated download: the API needs the bearer token, so the bytes come through fetch.
import { apiBlob } from './api.js';

/** Downloads `apiPath` (POSTing `body` when given) and offers it to the user as `filename`. */
export async function saveFromApi(apiPath, filename, body) {
  saveBlob(await apiBlob(apiPath, body), filename);
}

/** Offers a Blob (or a text) as a file download. */
export function saveBlob(blob, filename) {
  const data = typeof blob === 'string' ? new Blob([blob], { type: 'text/plain' }) : blob;
  const url = URL.createObjectURL(data);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
