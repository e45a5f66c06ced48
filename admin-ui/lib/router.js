// History routing: real URLs, back/forward, reload keeps the page, deep links to a folder.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';

const listeners = new Set();

/** Goes to a URL inside the UI without a reload. */
export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const fn of listeners) fn(location.pathname);
}

/** The current path name, updated on navigation and on back/forward. */
export function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => { listeners.delete(update); window.removeEventListener('popstate', update); };
  }, []);
  return path;
}

/** A link that navigates in place on a plain click (new tab and the like keep working). */
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

/** `/files/home/Photos` → VFS path `/home/Photos`; each segment is URL-decoded. */
export function vfsPathOf(urlPath) {
  const rest = urlPath.replace(/^\/files\/?/, '');
  const parts = rest.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  return '/' + parts.join('/');
}

/** VFS path → its Files page URL. */
export function filesUrl(vfsPath) {
  const parts = vfsPath.split('/').filter(Boolean).map(encodeURIComponent);
  return '/files' + (parts.length ? '/' + parts.join('/') : '');
}
