/**
 * The scheduler over agenda on each database's backend (knex on SQLite, @agendajs/postgres-backend
 * on PostgreSQL), with test jobs: execution history, failures, run now / retry / 409, interval
 * validation, enable/disable, shutdown, and two schedulers sharing one database.
 */
import { expect } from 'chai';
import { AuditLog } from '../../src/audit/index.js';
import { openDatabase, type Database } from '../../src/db/index.js';
import { AppError } from '../../src/lib/errors.js';
import pino from 'pino';
import { createLogger, type Logger } from '../../src/lib/log.js';
import type { Principal, RequestActor } from '../../src/lib/request-actor.js';
import { ExecutionStore } from '../../src/scheduler/executions.js';
import { createSchedulerBackend, Scheduler, type ExecutionView, type ManagedJob } from '../../src/scheduler/index.js';
import { createPgDatabase, describeEachDb, type TestDbKind } from '../helpers/db.js';
import { makeTmpDir } from '../helpers/tmp.js';

const ADMIN: RequestActor<Principal> = { principal: { userId: 1, username: 'admin', isAdmin: true }, protocol: 'api', address: '127.0.0.1' };
const TIMING = { processEveryMs: 100, lockLifetimeMs: 2000, historyDays: 30 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined/false), failing after 10 s with `what`. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function caught(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}

/** A database for a suite, openable a second time (another "process" on the same data). */
async function testDatabase(ctx: Mocha.Context, kind: TestDbKind) {
  const tmp = makeTmpDir();
  const pgDb = kind === 'postgres' ? await createPgDatabase(ctx) : undefined;
  const open = () => openDatabase(pgDb?.url, tmp.dir);
  return { url: pgDb?.url, open, remove: async () => { await pgDb?.drop(); tmp.remove(); } };
}

async function newScheduler(db: Database, url: string | undefined, jobs: ManagedJob[], instanceName: string, logger = createLogger('silent')): Promise<Scheduler> {
  const backend = await createSchedulerBackend({ knex: db.knex, kind: db.kind, databaseUrl: url, logger });
  return new Scheduler({ knex: db.knex, backend, audit: new AuditLog(db.knex), logger, instanceName, ...TIMING }, jobs);
}

describeEachDb('scheduler: jobs and executions', (kind) => {
  let env: Awaited<ReturnType<typeof testDatabase>>;
  let db: Database;
  let scheduler: Scheduler;
  let release: () => void = () => undefined;
  let ticks = 0;
  const warnings: string[] = [];
  const jobs: ManagedJob[] = [
    { name: 'test.ok', description: 'returns a report', defaultInterval: '1 day', run: async () => ({ drift: [{ user: 'ann', bytes: 3 }] }) },
    { name: 'test.fail', description: 'throws', defaultInterval: '1 day', run: async () => { throw new AppError('HW_UNAVAILABLE', 'disk on fire'); } },
    {
      name: 'test.gate',
      description: 'waits for the test',
      defaultInterval: '1 day',
      run: async (ctx) => {
        await ctx.progress(40);
        await new Promise<void>((resolve) => (release = resolve));
        return { gated: true };
      },
    },
    { name: 'test.tick', description: 'repeats fast', defaultInterval: 300, enabledByDefault: false, run: async () => ({ tick: ++ticks }) },
    { name: 'test.long', description: 'outlives the lock lifetime', defaultInterval: '1 day', run: async () => { await sleep(TIMING.lockLifetimeMs * 1.5); return { long: true }; } },
    { name: 'test.abort', description: 'runs until shutdown', defaultInterval: '1 day', run: (ctx) => new Promise((_r, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('stopped by shutdown')))) },
  ];

  before(async function () {
    env = await testDatabase(this, kind);
    db = await env.open();
    const logger: Logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    scheduler = await newScheduler(db, env.url, jobs, 'a', logger);
    await scheduler.init();
    await scheduler.start();
  });
  after(async () => {
    release();
    await scheduler?.close(1000);
    await db?.close();
    await env?.remove();
  });

  const finished = (id: number) => waitFor(`execution ${id} to finish`, async () => {
    const e = await scheduler.execution(id);
    return e.status === 'ok' || e.status === 'failed' ? e : undefined;
  });

  it('lists the registered jobs with their default settings and next run', async () => {
    const list = await scheduler.list();
    expect(list.map((j) => j.name)).to.deep.equal(['test.ok', 'test.fail', 'test.gate', 'test.tick', 'test.long', 'test.abort']);
    const ok = list[0];
    expect(ok).to.include({ enabled: true, intervalMs: 86_400_000, interval: '1 day', lastRun: null, current: null });
    expect(ok.nextRunAt).to.be.greaterThan(Date.now() + 23 * 3_600_000);
    expect(list[3]).to.include({ enabled: false, nextRunAt: null });
  });

  it('runs a job now and records the execution with its report', async () => {
    const { executionId } = await scheduler.runNow('test.ok', ADMIN);
    const done = await finished(executionId);
    expect(done).to.include({ job: 'test.ok', trigger: 'manual', status: 'ok', requestedBy: 'admin', message: null, progress: 100, retryOf: null });
    expect(done.report).to.deep.equal({ drift: [{ user: 'ann', bytes: 3 }] });
    expect(done.durationMs).to.be.a('number').and.to.be.at.least(0);
    expect(done.finishedAt).to.be.at.least(done.startedAt!);
    expect((await scheduler.get('test.ok')).lastRun?.id).to.equal(executionId);
    const audit = await new AuditLog(db.knex).list({ action: 'job.run', limit: 5, offset: 0 });
    expect(audit.items[0]).to.include({ target: 'test.ok', outcome: 'success', actorName: 'admin' });
  });

  it('records a throwing job as failed with its message, and keeps running jobs', async () => {
    const failed = await finished((await scheduler.runNow('test.fail', ADMIN)).executionId);
    expect(failed).to.include({ status: 'failed', message: 'disk on fire', report: null });
    expect((await finished((await scheduler.runNow('test.ok', ADMIN)).executionId)).status).to.equal('ok');
  });

  it('answers CONFLICT while a run is active, and shows its progress', async () => {
    const { executionId } = await scheduler.runNow('test.gate', ADMIN);
    const running = await waitFor('progress', async () => {
      const e = await scheduler.execution(executionId);
      return e.status === 'running' && e.progress === 40 ? e : undefined;
    });
    expect(running.startedAt).to.be.a('number');
    expect((await scheduler.get('test.gate')).current?.id).to.equal(executionId);
    expect((await caught(scheduler.runNow('test.gate', ADMIN))).code).to.equal('CONFLICT');
    release();
    expect((await finished(executionId)).report).to.deep.equal({ gated: true });
    expect((await scheduler.get('test.gate')).current).to.equal(null);
  });

  it('retries a failed execution (linked to it) and refuses to retry anything else', async () => {
    const failedId = (await finished((await scheduler.runNow('test.fail', ADMIN)).executionId)).id;
    const retry = await scheduler.retry(failedId, ADMIN);
    expect(retry.job).to.equal('test.fail');
    const again = await finished(retry.executionId);
    expect(again).to.include({ trigger: 'retry', retryOf: failedId, status: 'failed' });
    const okId = (await finished((await scheduler.runNow('test.ok', ADMIN)).executionId)).id;
    expect((await caught(scheduler.retry(okId, ADMIN))).code).to.equal('CONFLICT');
    expect((await caught(scheduler.retry(999_999, ADMIN))).code).to.equal('NOT_FOUND');
    expect((await caught(scheduler.runNow('no.such', ADMIN))).code).to.equal('NOT_FOUND');
  });

  it('validates interval changes (at least a minute) and reschedules the next run', async () => {
    for (const interval of ['30 seconds', 59_999, 'soon', '1 month', '', 1.5, '400 days']) {
      expect((await caught(scheduler.update('test.ok', { interval }, ADMIN))).code, String(interval)).to.equal('VALIDATION');
    }
    const before = Date.now();
    const view = await scheduler.update('test.ok', { interval: '2h 30m' }, ADMIN);
    expect(view).to.include({ intervalMs: 9_000_000, interval: '2 hours 30 minutes' });
    expect(view.nextRunAt).to.be.within(before + 9_000_000 - 1000, Date.now() + 9_000_000 + 1000);
    const audit = await new AuditLog(db.knex).list({ action: 'job.update', limit: 1, offset: 0 });
    expect(audit.items[0].details).to.deep.include({ intervalMs: 9_000_000 });
  });

  it('runs an enabled job on its interval and stops running it once disabled', async () => {
    await scheduler.update('test.tick', { enabled: true }, ADMIN);
    await waitFor('two scheduled runs', async () => {
      const { items } = await scheduler.history('test.tick', 10, 0);
      return items.filter((e) => e.status === 'ok' && e.trigger === 'schedule').length >= 2;
    });
    const disabled = await scheduler.update('test.tick', { enabled: false }, ADMIN);
    expect(disabled).to.include({ enabled: false, nextRunAt: null });
    await waitFor('no active run', async () => (await scheduler.get('test.tick')).current === null);
    const { total } = await scheduler.history('test.tick', 1, 0);
    await sleep(1000); // several poll cycles and intervals
    expect((await scheduler.history('test.tick', 1, 0)).total).to.equal(total);
  });

  it('runs a disabled job when asked to, and pages its history newest first', async () => {
    const ran = await finished((await scheduler.runNow('test.tick', ADMIN)).executionId);
    expect(ran.status).to.equal('ok');
    const page = await scheduler.history('test.tick', 2, 0);
    expect(page.items[0].id).to.equal(ran.id);
    expect(page.items).to.have.length(2);
    expect(page.items[0].id).to.be.greaterThan(page.items[1].id);
    expect((await scheduler.history('test.tick', 2, page.total - 1)).items).to.have.length(1);
  });

  it('keeps the lock of a job that runs longer than the lock lifetime (agenda never cancels it)', async () => {
    const done = await finished((await scheduler.runNow('test.long', ADMIN)).executionId);
    expect(done).to.include({ status: 'ok' });
    expect(done.durationMs).to.be.greaterThan(TIMING.lockLifetimeMs);
    expect(warnings.join('')).to.not.match(/agenda error|heartbeat failed/);
    expect((await scheduler.history('test.long', 10, 0)).total).to.equal(1);
  });

  it('tells running jobs to stop on close and records them as failed', async () => {
    const { executionId } = await scheduler.runNow('test.abort', ADMIN);
    await waitFor('the run to start', async () => (await scheduler.execution(executionId)).status === 'running');
    await scheduler.close(2000);
    const ended = await scheduler.execution(executionId);
    expect(ended).to.include({ status: 'failed', message: 'stopped by shutdown' });
  });
});

describeEachDb('scheduler: two processes on one database', (kind) => {
  let env: Awaited<ReturnType<typeof testDatabase>>;
  const dbs: Database[] = [];
  const schedulers: Scheduler[] = [];
  let active = 0;
  let maxActive = 0;
  const exclusive: ManagedJob = {
    name: 'test.exclusive',
    description: 'must never overlap',
    defaultInterval: 150,
    run: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(120);
      active--;
      return {};
    },
  };

  before(async function () {
    env = await testDatabase(this, kind);
    for (const name of ['one', 'two']) {
      const db = await env.open();
      dbs.push(db);
      const s = await newScheduler(db, env.url, [exclusive], name);
      schedulers.push(s);
      await s.init();
      await s.start();
    }
  });
  after(async () => {
    for (const s of schedulers) await s.close(1000);
    for (const db of dbs) await db.close();
    await env?.remove();
  });

  it('never runs the same job twice at once, scheduled or asked from either side', async () => {
    const done: ExecutionView[] = await waitFor('eight finished runs', async () => {
      for (const s of schedulers) await s.runNow('test.exclusive', ADMIN).catch((err: AppError) => expect(err.code).to.equal('CONFLICT'));
      const { items } = await schedulers[0].history('test.exclusive', 100, 0);
      const ok = items.filter((e) => e.status === 'ok');
      return ok.length >= 8 ? ok : undefined;
    });
    expect(maxActive).to.equal(1);
    const spans = done.map((e) => [e.startedAt!, e.finishedAt!]).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0], 'a run started before the previous one ended').to.be.at.least(spans[i - 1][1]);
    expect(new Set(done.map((e) => e.trigger))).to.include('schedule');
  });
});

describeEachDb('scheduler: execution history store', (kind) => {
  let env: Awaited<ReturnType<typeof testDatabase>>;
  let db: Database;
  let now = 1_000_000_000_000;
  let store: ExecutionStore;

  before(async function () {
    env = await testDatabase(this, kind);
    db = await env.open();
    store = new ExecutionStore(db.knex, () => now);
  });
  after(async () => {
    await db?.close();
    await env?.remove();
  });

  it('sweeps runs whose heartbeat stopped and queued runs nobody picked up', async () => {
    const running = (await store.startScheduled('sweep.run'))!;
    const fresh = (await store.startScheduled('sweep.fresh'))!;
    const queued = await store.enqueue('sweep.queued', 'manual', 'admin');
    expect(await store.startScheduled('sweep.run')).to.equal(null);
    now += 40_000;
    await store.heartbeat(fresh, 10);
    expect(await store.sweep(30_000, 300_000)).to.equal(1);
    expect(await store.get(running)).to.include({ status: 'failed' }).and.to.have.property('message').that.matches(/interrupted/);
    expect(await store.get(fresh)).to.include({ status: 'running', progress: 10 });
    expect(await store.finish(running, 'ok', null, {})).to.equal(false);
    now += 300_000;
    await store.heartbeat(fresh);
    expect(await store.sweep(30_000, 300_000)).to.equal(1);
    expect((await store.get(queued))!.message).to.match(/never started/);
    expect(await store.startQueued(queued)).to.equal(false);
    expect(await store.startScheduled('sweep.run')).to.be.a('number');
  });

  it('keeps reports readable: oversized ones are replaced by a note', async () => {
    const id = (await store.startScheduled('big.report'))!;
    await store.finish(id, 'ok', null, { blob: 'x'.repeat(100_000) });
    expect((await store.get(id))!.report).to.deep.include({ truncated: true });
  });

  it('applies retention by age and by count, never to active runs', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const id = (await store.startScheduled('keep.me'))!;
      await store.finish(id, i % 2 ? 'failed' : 'ok', i % 2 ? 'nope' : null, { i });
      ids.push(id);
      now += 86_400_000;
    }
    const active = (await store.startScheduled('keep.me'))!;
    expect(await store.prune('keep.me', 3.5 * 86_400_000, 100)).to.equal(2);
    expect(await store.prune('keep.me', 30 * 86_400_000, 2)).to.equal(1);
    const { items } = await store.list('keep.me', 10, 0);
    expect(items.map((e) => e.id)).to.deep.equal([active, ids[4], ids[3]]);
  });
});
