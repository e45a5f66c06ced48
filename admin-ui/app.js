// Entry point: session handling, the layout and history routing over the pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api, logout, onSessionChange, resumeSession } from './lib/api.js';
import { Link, usePath } from './lib/router.js';
import { Notices } from './components/Notice.js';
import { Login } from './pages/Login.js';
import { Dashboard } from './pages/Dashboard.js';
import { Files } from './pages/Files.js';
import { Account } from './pages/Account.js';
import { Connect } from './pages/Connect.js';
import { Users } from './pages/Users.js';
import { Storage } from './pages/Storage.js';
import { Power } from './pages/Power.js';
import { Audit } from './pages/Audit.js';
import { Jobs } from './pages/Jobs.js';
import { Telemetry } from './pages/Telemetry.js';
import { Shares } from './pages/Shares.js';
import { Settings } from './pages/Settings.js';
import { Alerts } from './pages/Alerts.js';
import { Smb } from './pages/Smb.js';
import { useAlertCounts } from './lib/alert-counts.js';

const PAGES = [
  { path: '/', title: 'Dashboard', component: Dashboard },
  { path: '/files', title: 'Files', component: Files, prefix: true },
  { path: '/account', title: 'Account', component: Account },
  { path: '/connect', title: 'Connect a device', component: Connect },
  { path: '/alerts', title: 'Alerts', component: Alerts, badge: true },
  // `admin: true` pages form the nav's "Administration" group, in this order.
  { path: '/users', title: 'Users', component: Users, admin: true },
  { path: '/shares', title: 'Shares', component: Shares, admin: true },
  { path: '/smb', title: 'SMB', component: Smb, admin: true },
  { path: '/storage', title: 'Storage health', component: Storage, admin: true, prefix: true },
  { path: '/power', title: 'Power and fans', component: Power, admin: true },
  { path: '/jobs', title: 'Jobs', component: Jobs, admin: true },
  { path: '/telemetry', title: 'Telemetry', component: Telemetry, admin: true },
  { path: '/audit', title: 'Audit log', component: Audit, admin: true },
  { path: '/settings', title: 'Settings', component: Settings, admin: true },
];

function matches(page, path) {
  const p = path.replace(/\/+$/, '') || '/';
  return p === page.path || (page.prefix && p.startsWith(page.path + '/'));
}

/** The Alerts link's count of open alerts nobody acknowledged, in its accessible name too. */
function AlertBadge({ counts }) {
  if (!counts) return null;
  if (counts.error) return html`<span class="badge nav-count" title=${`Alert count unavailable: ${counts.error}`}>?</span>`;
  if (counts.unacknowledged === 0) return null;
  return html`<span class=${'badge nav-count ' + (counts.critical > 0 ? 'bad' : 'warning')} aria-hidden="true">${counts.unacknowledged}</span>`;
}

function navLabel(page, counts) {
  if (!page.badge || !counts) return undefined;
  if (counts.error) return `${page.title}, count unavailable: ${counts.error}`;
  return counts.unacknowledged > 0 ? `${page.title}, ${counts.unacknowledged} open (not acknowledged)` : undefined;
}

/** One group of nav links, with a heading when it has a title. */
function NavGroup({ title, pages, current, counts }) {
  const id = title ? `nav-${title.toLowerCase()}` : undefined;
  return html`<div class="nav-group">
    ${title && html`<h2 class="nav-title" id=${id}>${title}</h2>`}
    <ul aria-labelledby=${id}>
      ${pages.map((p) => html`<li key=${p.path}><${Link} href=${p.path} class=${p === current ? 'active' : ''} aria-current=${p === current ? 'page' : undefined}
        aria-label=${navLabel(p, counts)}>${p.title}${p.badge && html` <${AlertBadge} counts=${counts} />`}<//></li>`)}
    </ul>
  </div>`;
}

function Shell({ user }) {
  const path = usePath();
  const [menuOpen, setMenuOpen] = useState(false);
  const pages = PAGES.filter((p) => !p.admin || user.role === 'admin');
  const page = pages.find((p) => matches(p, path));
  const counts = useAlertCounts();
  useEffect(() => {
    setMenuOpen(false);
    document.title = page ? `${page.title} · nasd` : 'Not found · nasd';
    const main = document.getElementById('main');
    if (main && document.activeElement === document.body) main.focus({ preventScroll: true });
  }, [path]);
  const Page = page && page.component;
  return html`<div class="shell">
    <a class="skip" href="#main">Skip to content</a>
    <header class="nav">
      <div class="brand"><span class="logo" aria-hidden="true">▣</span> nasd</div>
      <button class="menu secondary" aria-expanded=${menuOpen} aria-controls="nav-links" onClick=${() => setMenuOpen(!menuOpen)}
        aria-label=${counts && counts.unacknowledged > 0 ? `Menu, ${counts.unacknowledged} alerts open (not acknowledged)` : undefined}>Menu${counts && html` <${AlertBadge} counts=${counts} />`}</button>
      <nav id="nav-links" class=${menuOpen ? 'open' : ''} aria-label="Main">
        <${NavGroup} pages=${pages.filter((p) => !p.admin)} current=${page} counts=${counts} />
        ${user.role === 'admin' && html`<${NavGroup} title="Administration" pages=${pages.filter((p) => p.admin)} current=${page} />`}
        <div class="who">Signed in as <strong>${user.username}</strong> (${user.role})</div>
        <button class="secondary signout" onClick=${() => logout()}>Sign out</button>
      </nav>
    </header>
    <main id="main" tabindex="-1">
      ${Page ? html`<${Page} user=${user} path=${path} />` : html`<section><h1>Page not found</h1><p>There is no page at ${path}. <${Link} href="/">Go to the dashboard<//></p></section>`}
    </main>
    <${Notices} />
  </div>`;
}

function App() {
  const [user, setUser] = useState(undefined);
  useEffect(() => onSessionChange(setUser), []);
  useEffect(() => {
    resumeSession().then(async (ok) => setUser(ok ? await api('GET', '/api/me') : null), () => setUser(null));
  }, []);
  if (user === undefined) return html`<p class="boot" role="status">Loading nasd…</p>`;
  if (user === null) return html`<main id="main"><${Login} /></main>`;
  return html`<${Shell} user=${user} />`;
}

render(html`<${App} />`, document.getElementById('app'));
