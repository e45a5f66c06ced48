// The Alerts page's rules (admin): each rule's severity and family, and its notification snooze.
import { useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { Status } from './Status.js';
import { Severity, when } from './AlertList.js';
import { notify } from './Notice.js';

const SNOOZES = [['60', '1 hour'], ['480', '8 hours'], ['1440', '1 day'], ['10080', '7 days']];

function SnoozeCell({ rule, onChanged }) {
  const [minutes, setMinutes] = useState('60');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  async function run(request, done) {
    setBusy(true);
    setError(null);
    try {
      await request();
      notify(done);
      onChanged();
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  }
  const snooze = () => run(() => api('PUT', `/api/alerts/rules/${rule.id}/snooze`, { minutes: Number(minutes) }), `${rule.id} snoozed`);
  const unsnooze = () => run(() => api('DELETE', `/api/alerts/rules/${rule.id}/snooze`), `${rule.id} notifies again`);
  return html`<td data-label="Notifications">
    ${rule.snoozedUntil
      ? html`<p class="snoozed">Snoozed until ${when(rule.snoozedUntil)}${rule.snoozedBy ? ` by ${rule.snoozedBy}` : ''}</p>
        <button type="button" class="secondary" disabled=${busy} onClick=${unsnooze}>End snooze<span class="sr-only"> of ${rule.id}</span></button>`
      : html`<div class="row-actions">
        <label class="sr-only" for=${`snooze-${rule.id}`}>Snooze ${rule.id} for</label>
        <select id=${`snooze-${rule.id}`} value=${minutes} onChange=${(e) => setMinutes(e.target.value)}>${SNOOZES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select>
        <button type="button" class="secondary" disabled=${busy} onClick=${snooze}>Snooze<span class="sr-only"> ${rule.id}</span></button></div>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </td>`;
}

/** Every rule with its snooze; a snoozed rule still opens alerts here but sends no notifications. */
export function AlertRules() {
  const rules = useApi('/api/alerts/rules');
  const list = rules.data ? rules.data.rules : [];
  return html`<section aria-labelledby="rules-title">
    <h2 id="rules-title" class="section-title">Rules</h2>
    <p class="muted">A snoozed rule still shows its alerts here but sends no e-mail or webhook until the snooze ends.</p>
    <${Status} ...${rules} />
    ${list.length > 0 && html`<details class="rules"><summary>Show the ${list.length} rules${list.some((r) => r.snoozedUntil) ? ` (${list.filter((r) => r.snoozedUntil).length} snoozed)` : ''}</summary>
      <div class="table-box" tabindex="0" role="region" aria-label="Alert rules"><table class="cards-on-phone">
        <thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Family</th><th scope="col">Notifications</th></tr></thead>
        <tbody>${list.map((r) => html`<tr key=${r.id}>
          <td><strong>${r.id}</strong><div class="muted small">${r.title.replace('{key}', '…')}</div></td>
          <td data-label="Severity"><${Severity} severity=${r.severity} /></td>
          <td data-label="Family">${r.family}</td>
          <${SnoozeCell} rule=${r} onChanged=${rules.reload} /></tr>`)}
        </tbody>
      </table></div></details>`}
  </section>`;
}
