// Dashboard (/): the user's usage, recent files, reachable shares and notices that concern them;
// administrators also get the server overview (capacity, health, live load).
import { html } from 'htm/preact';
import { useApi } from '../lib/use-api.js';
import { Link, filesUrl } from '../lib/router.js';
import { Status, formatBytes, formatDate } from '../components/Status.js';
import { UsageBar } from '../components/ProgressBar.js';
import { AdminOverview } from '../components/AdminOverview.js';

function notices(usage, tfa, appPasswords) {
  const out = [];
  if (usage && usage.quotaBytes !== null && usage.usedBytes >= usage.quotaBytes) out.push({ kind: 'bad', text: 'You are over your quota: uploads are refused until you delete files or an administrator raises it.' });
  else if (usage && usage.quotaBytes && usage.usedBytes >= usage.quotaBytes * 0.9) out.push({ kind: 'warning', text: 'You have used more than 90 % of your quota.' });
  if (tfa && !tfa.totpEnabled) out.push({ kind: 'warning', text: 'Two-factor sign-in is off.', link: ['/account', 'Turn it on'] });
  else if (tfa && tfa.remaining <= 2) out.push({ kind: 'warning', text: `Only ${tfa.remaining} recovery codes left.`, link: ['/account', 'Make new ones'] });
  if (appPasswords && appPasswords.items.length === 0) out.push({ kind: 'info', text: 'No device is connected with an app password yet.', link: ['/connect', 'Connect a device'] });
  return out;
}

export function Dashboard({ user }) {
  const usage = useApi('/api/usage', { pollMs: 30_000 });
  const shares = useApi('/api/shares');
  const recent = useApi(`/api/files/list?${new URLSearchParams({ path: '/home', sort: 'mtime', order: 'desc', limit: '6' })}`, { pollMs: 30_000 });
  const tfa = useApi('/api/me/recovery-codes');
  const appPasswords = useApi('/api/me/app-passwords');
  const list = notices(usage.data, tfa.data, appPasswords.data);
  return html`<section>
    <h1>Hello, ${user.displayName || user.username}</h1>
    ${list.length > 0 && html`<ul class="notice-list" aria-label="Notices">${list.map((n) => html`<li class=${'notice ' + n.kind}>
      <span class=${'badge ' + n.kind}>${n.kind === 'bad' ? 'action needed' : n.kind === 'warning' ? 'attention' : 'tip'}</span> ${n.text}
      ${n.link && html` <${Link} href=${n.link[0]}>${n.link[1]}<//>`}</li>`)}</ul>`}
    <div class="cards">
      <div class="card"><h2>Your storage</h2><${Status} ...${usage} />
        ${usage.data && html`<${UsageBar} used=${usage.data.usedBytes} quota=${usage.data.quotaBytes} />
          <p class="muted">${usage.data.files} files${usage.data.reservedBytes ? `, ${formatBytes(usage.data.reservedBytes)} held by uploads in progress` : ''}.</p>`}</div>
      <div class="card"><h2>Recently changed in your home</h2><${Status} ...${recent} />
        ${recent.data && recent.data.items.length === 0 && html`<p class="muted">Nothing yet. <${Link} href="/files/home">Upload files<//></p>`}
        ${recent.data && html`<ul class="plain">${recent.data.items.map((e) => html`<li key=${e.path}>
          <${Link} href=${filesUrl(e.type === 'directory' ? e.path : e.path.replace(/\/[^/]+$/, ''))}>${e.name}<//>
          <span class="muted"> · ${e.type === 'directory' ? 'folder' : formatBytes(e.size)} · ${formatDate(e.mtimeMs)}</span></li>`)}</ul>`}</div>
      <div class="card"><h2>Shares you can reach</h2><${Status} ...${shares} />
        ${shares.data && shares.data.items.length === 0 && html`<p class="muted">No shares yet.</p>`}
        ${shares.data && html`<ul class="plain">${shares.data.items.map((s) => html`<li key=${s.id}>
          <${Link} href=${filesUrl('/' + s.name)}>${s.name}<//> <span class="badge">${s.access === 'read' ? 'read-only' : s.access}</span></li>`)}</ul>`}</div>
    </div>
    ${user.role === 'admin' && html`<${AdminOverview} />`}
  </section>`;
}
