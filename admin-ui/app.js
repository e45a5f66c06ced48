// Entry point: session handling and a hash router over the pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, logout, onSessionChange, resumeSession } from './lib/api.js';
import { Login } from './pages/Login.js';
import { Dashboard } from './pages/Dashboard.js';
import { Users } from './pages/Users.js';
import { Storage } from './pages/Storage.js';
import { Audit } from './pages/Audit.js';
import { Telemetry } from './pages/Telemetry.js';

const PAGES = [
  { hash: '#/', title: 'Dashboard', component: Dashboard },
  { hash: '#/storage', title: 'Storage health', component: Storage, admin: true },
  { hash: '#/telemetry', title: 'Telemetry', component: Telemetry, admin: true },
  { hash: '#/users', title: 'Users', component: Users, admin: true },
  { hash: '#/audit', title: 'Audit log', component: Audit, admin: true },
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const update = () => setHash(location.hash || '#/');
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return hash;
}

function App() {
  const [user, setUser] = useState(undefined);
  const hash = useHash();
  useEffect(() => onSessionChange(setUser), []);
  useEffect(() => {
    resumeSession().then(async (ok) => setUser(ok ? await api('GET', '/api/me') : null));
  }, []);

  if (user === undefined) return html`<p class="boot">Loading nasd…</p>`;
  if (user === null) return html`<${Login} />`;
  const pages = PAGES.filter((p) => !p.admin || user.role === 'admin');
  const page = pages.find((p) => p.hash === hash) || pages[0];
  const Page = page.component;
  return html`<div class="shell">
    <nav class="nav">
      <h1>nasd</h1>
      ${pages.map((p) => html`<a href=${p.hash} class=${p === page ? 'active' : ''}>${p.title}</a>`)}
      <div class="who">Signed in as <strong>${user.username}</strong> (${user.role})</div>
      <button class="secondary" onClick=${() => logout()}>Sign out</button>
    </nav>
    <main><${Page} user=${user} /></main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
