import { expect } from 'chai';
import { loginAdmin } from '../helpers/auth.js';
import { describeEachDb, type TestDbKind } from '../helpers/db.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Missed jobs and overdue scrubs, aged through the database: agenda's due times and the audit
 * log's scrub starts are moved into the past. The scheduler does not process jobs in this
 * process, as on a machine where no nasd has it enabled.
 */
describeEachDb('alerts: missed jobs and overdue scrubs', (kind) => {
  let srv: TestServer;
  let admin: string;
  const call = (method: string, path: string, body?: unknown) => api(srv.baseUrl, method, path, { token: admin, body });
  const evaluate = async () => expect((await call('POST', '/api/alerts/evaluate')).status).to.equal(200);
  const open = async (ruleId: string) =>
    ((await call('GET', '/api/alerts/?state=open')).body.items as { ruleId: string; key: string; severity: string; details: Record<string, unknown> }[]).filter((a) => a.ruleId === ruleId);
  const setDue = async (job: string, at: number) => {
    const knex = srv.nasd.db.knex;
    const changed = await knex(agendaTable(kind)).where({ name: job, type: 'single' }).update({ next_run_at: kind === 'postgres' ? new Date(at) : at });
    expect(changed, `agenda row of ${job}`).to.equal(1);
  };

  before(async function () {
    srv = await startTestServer(this, kind, {
      scheduler: { enabled: false },
      hardware: { simulatedClock: 'manual', fanIntervalSeconds: 0, telemetryIntervalSeconds: 0 },
      alerts: { evaluateIntervalSeconds: 0, clearAfterSeconds: 0, smartMaxAgeSeconds: 0, scrubOverdueDays: 35 },
    });
    admin = (await loginAdmin(srv)).accessToken;
  });
  after(async () => srv?.close());

  it('an enabled job late by more than its margin opens one warning; a late one within its margin does not; disabling clears it', async () => {
    await setDue('uploads.cleanup', Date.now() - 2 * HOUR); // hourly: margin 1 hour
    await setDue('storage.reconcile', Date.now() - 2 * HOUR); // daily: margin 1 day
    await evaluate();
    await evaluate();
    const missed = await open('scheduler.job_missed');
    expect(missed.map((a) => a.key)).to.deep.equal(['uploads.cleanup']);
    expect(missed[0].severity).to.equal('warning');
    expect(missed[0].details.lateMinutes).to.be.within(119, 125);

    expect((await call('PATCH', '/api/jobs/uploads.cleanup', { enabled: false })).status).to.equal(200);
    await evaluate();
    expect(await open('scheduler.job_missed')).to.deep.equal([]);
  });

  it('an array with no scrub start for longer than scrubOverdueDays is overdue; a scrub start clears it', async () => {
    await evaluate();
    expect(await open('raid.scrub_overdue'), 'a fresh installation is not overdue').to.deep.equal([]);
    const knex = srv.nasd.db.knex;
    // nasd has been recording for 40 days and md0 was last scrubbed 36 days ago.
    await knex('audit_log').update({ at: Date.now() - 40 * DAY });
    await srv.nasd.audit.record({ action: 'raid.scrub.start', outcome: 'success', actor: { id: 0, name: 'scheduler' }, target: 'md0' });
    await knex('audit_log').where({ action: 'raid.scrub.start', target: 'md0' }).update({ at: Date.now() - 36 * DAY });
    await srv.nasd.audit.record({ action: 'raid.scrub.start', outcome: 'failure', actor: { id: 0, name: 'scheduler' }, target: 'md0' });
    await evaluate();
    const overdue = await open('raid.scrub_overdue');
    expect(overdue.map((a) => a.key)).to.deep.equal(['md0']);
    expect(overdue[0]).to.deep.include({ severity: 'warning' });
    expect(overdue[0].details.days).to.equal(36);

    expect((await call('POST', '/api/raid/arrays/md0/scrub')).status).to.equal(202);
    await evaluate();
    expect(await open('raid.scrub_overdue')).to.deep.equal([]);
  });

  it('a degraded array is not also reported as scrub overdue (it refuses scrubs and has its own alert)', async () => {
    const knex = srv.nasd.db.knex;
    await knex('audit_log').update({ at: Date.now() - 40 * DAY });
    expect((await call('POST', '/api/hardware/simulation', { advanceSeconds: 120 })).status).to.equal(200); // any scrub finishes
    await evaluate();
    expect((await open('raid.scrub_overdue')).map((a) => a.key)).to.deep.equal(['md0']);
    expect((await call('POST', '/api/hardware/simulation', { failRaidMember: { array: 'md0', device: 'vdb' } })).status).to.equal(200);
    await evaluate();
    expect((await open('raid.degraded')).map((a) => a.key)).to.deep.equal(['md0']);
    expect(await open('raid.scrub_overdue')).to.deep.equal([]);
  });
});

function agendaTable(kind: TestDbKind): string {
  return kind === 'postgres' ? 'scheduler_agenda_jobs_pg' : 'scheduler_agenda_jobs';
}
