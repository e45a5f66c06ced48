// Scheduler (/jobs, admin): every managed job with its switch, interval, last and next run, run now
// with live status, retry of a failed run, and the history of every job with filters and paging.
import { useEffect, useState } from 'preact/hooks';
import { html } from 'htm/preact';
import { api } from '../lib/api.js';
import { useApi } from '../lib/use-api.js';
import { useSubmit } from '../lib/use-submit.js';
import { Status } from '../components/Status.js';
import { Switch } from '../components/Switch.js';
import { Pager } from '../components/Pager.js';
import { ProgressBar } from '../components/ProgressBar.js';
import { notify } from '../components/Notice.js';

const PAGE = 20;
const OUTCOME_LABEL = { ok: 'succeeded', failed: 'failed', running: 'running', queued: 'queued' };
const OUTCOME_BADGE = { ok: 'ok', failed: 'bad', running: 'info', queued: 'info' };

const when = (ms) => (ms ? new Date(ms).toLocaleString() : '—');

function formatMs(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** An execution's outcome as a badge with words (never colour alone). */
function Outcome({ run }) {
  return html`<span class=${'badge ' + OUTCOME_BADGE[run.status]}>${OUTCOME_LABEL[run.status]}</span>`;
}

/** Polls one execution until it has finished, then tells the page once. */
function LiveRun({ id, onFinished }) {
  const [done, setDone] = useState(false);
  const run = useApi(`/api/jobs/executions/${id}`, { pollMs: done ? 0 : 1000 });
  const finished = run.data && (run.data.status === 'ok' || run.data.status === 'failed');
  useEffect(() => {
    if (!finished || done) return;
    setDone(true);
    onFinished(run.data);
  }, [finished]);
  if (!run.data) return html`<${Status} ...${run} />`;
  const r = run.data;
  return html`<div class="live-run" role="status">
    Run #${r.id}: <${Outcome} run=${r} />
    ${r.status === 'running' && r.progress !== null && html` <${ProgressBar} label=${`Run ${r.id} progress`} value=${r.progress} max=${100} />`}
    ${finished && html` in ${formatMs(r.durationMs)}${r.message ? ` — ${r.message}` : ''}`}
  </div>`;
}

function IntervalForm({ job, onSaved }) {
  const [value, setValue] = useState(job.interval);
  useEffect(() => setValue(job.interval), [job.interval]);
  const save = useSubmit(async () => {
    const updated = await api('PATCH', `/api/jobs/${job.name}`, { interval: value.trim() });
    notify(`${job.name} now runs every ${updated.interval}`);
    onSaved();
  });
  return html`<form class="inline interval" onSubmit=${save.submit}>
    <label>Every <span class="sr-only">(${job.name})</span>
      <input name="interval" value=${value} onInput=${(e) => setValue(e.target.value)} required maxlength="64" aria-describedby=${`interval-help-${job.name}`} /></label>
    <button type="submit" class="secondary" disabled=${save.busy || value.trim() === job.interval}>${save.busy ? 'Saving…' : 'Save'}<span class="sr-only"> interval of ${job.name}</span></button>
    <span id=${`interval-help-${job.name}`} class="muted small">e.g. 15 minutes, 6 hours, 1 day (at least 1 minute)</span>
    ${save.error && html`<p class="error" role="alert">${save.error}</p>`}
  </form>`;
}

function JobCard({ job, watching, onRun, onRetry, onChanged, onFinished }) {
  const last = job.lastRun;
  const active = job.current;
  return html`<article class="card job" aria-labelledby=${`job-${job.name}`}>
    <h2 id=${`job-${job.name}`}>${job.name}</h2>
    <p class="muted">${job.description}</p>
    <${Switch} label="Runs on schedule" context=${job.name} checked=${job.enabled}
      onChange=${async (enabled) => { await api('PATCH', `/api/jobs/${job.name}`, { enabled }); notify(`${job.name} ${enabled ? 'enabled' : 'disabled'}`); onChanged(); }} />
    <${IntervalForm} job=${job} onSaved=${onChanged} />
    <dl class="facts">
      <dt>Last run</dt>
      <dd>${last ? html`<${Outcome} run=${last} /> ${when(last.finishedAt)}, took ${formatMs(last.durationMs)}${last.message ? html`<br /><span class="message">${last.message}</span>` : ''}` : 'never'}</dd>
      <dt>Next run</dt>
      <dd>${job.enabled ? when(job.nextRunAt) : 'not scheduled (disabled)'}</dd>
    </dl>
    ${watching ? html`<${LiveRun} key=${watching.id} id=${watching.id} onFinished=${(r) => onFinished(job, r)} />`
      : active && html`<p role="status">Run #${active.id}: <${Outcome} run=${active} /></p>`}
    <div class="actions">
      <button type="button" disabled=${Boolean(active) || (watching && !watching.done)} onClick=${() => onRun(job)}>Run now<span class="sr-only"> ${job.name}</span></button>
      ${last && last.status === 'failed' && html`<button type="button" class="secondary" disabled=${Boolean(active)} onClick=${() => onRetry(last)}>Retry failed run<span class="sr-only"> of ${job.name}</span></button>`}
    </div>
  </article>`;
}

function History({ jobs, refreshKey, onRetry }) {
  const [filter, setFilter] = useState({ job: '', status: '' });
  const [page, setPage] = useState(0);
  const query = new URLSearchParams({ limit: String(PAGE), offset: String(page * PAGE) });
  if (filter.job) query.set('job', filter.job);
  if (filter.status) query.set('status', filter.status);
  const history = useApi(`/api/jobs/executions?${query}`, { pollMs: 5000 });
  useEffect(() => { if (refreshKey) history.reload(); }, [refreshKey]);
  const field = (name) => (e) => { setPage(0); setFilter({ ...filter, [name]: e.target.value }); };
  const items = history.data ? history.data.items : [];
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">History</h2>
    <form class="inline" onSubmit=${(e) => e.preventDefault()} aria-label="Filter the history">
      <label>Job <select name="job" value=${filter.job} onChange=${field('job')}>
        <option value="">every job</option>${jobs.map((j) => html`<option value=${j.name}>${j.name}</option>`)}</select></label>
      <label>Outcome <select name="status" value=${filter.status} onChange=${field('status')}>
        <option value="">any</option>${Object.entries(OUTCOME_LABEL).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    </form>
    <${Status} ...${history} />
    ${history.data && items.length === 0 && html`<p class="empty muted">${filter.job || filter.status ? 'No runs match these filters.' : 'No job has run yet.'}</p>`}
    ${items.length > 0 && html`<div class="table-box" tabindex="0" role="region" aria-label="Job runs"><table class="history">
      <thead><tr><th>Run</th><th>Job</th><th>Outcome</th><th>Started</th><th>Duration</th><th>Trigger</th><th>Message</th><th><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${items.map((r) => html`<tr key=${r.id}>
        <td>#${r.id}</td><td>${r.job}</td><td><${Outcome} run=${r} /></td><td class="date">${when(r.startedAt || r.queuedAt)}</td>
        <td>${formatMs(r.durationMs)}</td><td>${r.trigger}${r.requestedBy ? ` by ${r.requestedBy}` : ''}${r.retryOf ? ` (retry of #${r.retryOf})` : ''}</td>
        <td class="message">${r.message || ''}</td>
        <td>${r.status === 'failed' && html`<button type="button" class="secondary" onClick=${() => onRetry(r)}>Retry<span class="sr-only"> run ${r.id}</span></button>`}</td></tr>`)}
      </tbody></table></div>`}
    <${Pager} page=${page} pageSize=${PAGE} total=${history.data ? history.data.total : 0} onPage=${setPage} label="History pages" />
  </section>`;
}

export function Jobs() {
  // The run each job's card follows live (the last one started from this page) and whether it ended.
  const [watching, setWatching] = useState({});
  const [refreshKey, setRefreshKey] = useState(0);
  const busy = Object.values(watching).some((w) => !w.done);
  const jobs = useApi('/api/jobs', { pollMs: busy ? 2000 : 10_000 });
  const list = jobs.data ? jobs.data.items : [];
  const refresh = () => { jobs.reload(); setRefreshKey((k) => k + 1); };

  async function start(job, request) {
    try {
      const accepted = await request();
      setWatching((w) => ({ ...w, [job]: { id: accepted.executionId, done: false } }));
      refresh();
    } catch (err) {
      notify(`Could not run ${job}: ${err.message}`, 'error');
    }
  }
  const onRun = (job) => start(job.name, () => api('POST', `/api/jobs/${job.name}/run`));
  const onRetry = (run) => start(run.job, () => api('POST', `/api/jobs/executions/${run.id}/retry`));
  function onFinished(job, run) {
    notify(`${job.name} ${run.status === 'ok' ? 'finished' : 'failed'}${run.message ? `: ${run.message}` : ''}`, run.status === 'ok' ? 'ok' : 'error');
    setWatching((w) => ({ ...w, [job.name]: { id: run.id, done: true } }));
    refresh();
  }

  return html`<section>
    <h1>Jobs</h1>
    <p class="muted">Maintenance that nasd runs on a schedule. A disabled job can still be run by hand.</p>
    <${Status} ...${jobs} />
    ${jobs.data && list.length === 0 && html`<p class="empty muted">No managed jobs.</p>`}
    <div class="cards jobs">${list.map((job) => html`<${JobCard} key=${job.name} job=${job} watching=${watching[job.name]}
      onRun=${onRun} onRetry=${onRetry} onChanged=${refresh} onFinished=${onFinished} />`)}</div>
    <${History} jobs=${list} refreshKey=${refreshKey} onRetry=${onRetry} />
  </section>`;
}
