// Alerts (/alerts): open alerts with what to do and acknowledge, and the history, for everyone (a
// user sees their own quota alerts); administrators also get the rules with snoozes and the
// notification channels.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { AlertHistory, OpenAlerts } from '../components/AlertList.js';
import { AlertRules } from '../components/AlertRules.js';
import { AlertChannels } from '../components/AlertChannels.js';

export function Alerts({ user }) {
  const isAdmin = user.role === 'admin';
  const [acks, setAcks] = useState(0);
  return html`<section>
    <h1>Alerts</h1>
    <p class="muted">${isAdmin ? 'What nasd found wrong with the disks, arrays, fans, storage, jobs, SMB and sign-ins.' : 'Alerts about your account, such as a quota that is nearly full.'}</p>
    <${OpenAlerts} isAdmin=${isAdmin} onChanged=${() => setAcks((n) => n + 1)} />
    <${AlertHistory} isAdmin=${isAdmin} refreshKey=${acks} />
    ${isAdmin && html`<${AlertChannels} /><${AlertRules} />`}
  </section>`;
}
