/**
 * One contract for every agenda storage nasd can run on (agenda's JobRepository): nasd's knex
 * backend on SQLite and on PostgreSQL, and @agendajs/postgres-backend. The scheduler relies on
 * exactly these behaviours: single-job upserts, compare-and-set locking, due-job selection.
 */
import crypto from 'node:crypto';
import { expect } from 'chai';
import type { JobParameters, JobRepository } from 'agenda';
import { openDatabase, type Database } from '../../src/db/index.js';
import { createLogger } from '../../src/lib/log.js';
import { knexBackend, postgresBackend, type SchedulerBackend } from '../../src/scheduler/backend/index.js';
import { createPgDatabase } from '../helpers/db.js';
import { makeTmpDir } from '../helpers/tmp.js';

interface Opened {
  repo: JobRepository;
  close(): Promise<void>;
}

type Opener = (ctx: Mocha.Context) => Promise<Opened>;

async function openWith(ctx: Mocha.Context, kind: 'sqlite' | 'postgres', make: (db: Database, url: string | undefined) => SchedulerBackend | Promise<SchedulerBackend>): Promise<Opened> {
  const tmp = makeTmpDir();
  const pgDb = kind === 'postgres' ? await createPgDatabase(ctx) : undefined;
  const db = await openDatabase(pgDb?.url, tmp.dir);
  const backend = await make(db, pgDb?.url);
  await backend.connect();
  return {
    repo: backend.repository,
    close: async () => {
      await backend.close();
      await db.close();
      await pgDb?.drop();
      tmp.remove();
    },
  };
}

const BACKENDS: Array<[string, Opener]> = [
  ['knex backend on sqlite', (ctx) => openWith(ctx, 'sqlite', (db) => knexBackend(db.knex))],
  ['knex backend on postgres', (ctx) => openWith(ctx, 'postgres', (db) => knexBackend(db.knex))],
  ['@agendajs/postgres-backend', (ctx) => openWith(ctx, 'postgres', (_db, url) => postgresBackend(url!, createLogger('silent')))],
];

const past = (ms = 1000) => new Date(Date.now() - ms);
const future = (ms = 3_600_000) => new Date(Date.now() + ms);

function job(name: string, over: Partial<JobParameters> = {}): JobParameters {
  return { name, priority: 0, nextRunAt: past(), type: 'normal', data: { n: 1 }, ...over };
}

for (const [title, open] of BACKENDS) {
  describe(`scheduler backend contract [${title}]`, () => {
    let opened: Opened | undefined;
    let repo: JobRepository;
    before(async function () {
      opened = await open(this);
      repo = opened.repo;
    });
    after(async () => opened?.close());
    beforeEach(async () => {
      await repo.purgeAllJobs();
    });

    const save = (j: JobParameters) => repo.saveJob(j, { lastModifiedBy: 'test' });

    it('saves a job and reads it back by id with every field intact', async () => {
      const next = future();
      const saved = await save(job('a', { priority: 10, nextRunAt: next, data: { x: 'y', list: [1, 2] }, repeatInterval: '60000', skipDays: [0, 6] }));
      expect(saved._id).to.be.a('string');
      const got = await repo.getJobById(String(saved._id));
      expect(got).to.include({ name: 'a', priority: 10, type: 'normal', repeatInterval: '60000', disabled: false });
      expect(got!.nextRunAt!.getTime()).to.equal(next.getTime());
      expect(got!.data).to.deep.equal({ x: 'y', list: [1, 2] });
      expect(got!.skipDays).to.deep.equal([0, 6]);
      expect(got!.lockedAt).to.equal(undefined);
      expect(await repo.getJobById(crypto.randomUUID())).to.equal(null);
    });

    it('updates a saved job in place, and hands back a removed one unchanged', async () => {
      const saved = await save(job('a'));
      const updated = await save({ ...saved, priority: 5, data: { n: 2 } });
      expect(String(updated._id)).to.equal(String(saved._id));
      expect((await repo.getJobById(String(saved._id)))!.data).to.deep.equal({ n: 2 });
      expect((await repo.queryJobs({ name: 'a' })).total).to.equal(1);
      await repo.removeJobs({ id: saved._id });
      const ghost = await save({ ...saved, priority: 7 });
      expect(ghost.priority).to.equal(7);
      expect(await repo.getJobById(String(saved._id))).to.equal(null);
    });

    it('keeps one row per single job name; a due nextRunAt does not pull a scheduled run forward', async () => {
      const later = future();
      const first = await save(job('every', { type: 'single', nextRunAt: later, repeatInterval: '60000' }));
      const again = await save(job('every', { type: 'single', nextRunAt: past(), repeatInterval: '120000' }));
      expect(String(again._id)).to.equal(String(first._id));
      expect(again.nextRunAt!.getTime()).to.equal(later.getTime());
      expect(again.repeatInterval).to.equal('120000');
      const moved = future(7_200_000);
      const third = await save(job('every', { type: 'single', nextRunAt: moved }));
      expect(third.nextRunAt!.getTime()).to.equal(moved.getTime());
      expect((await repo.queryJobs({ name: 'every' })).total).to.equal(1);
    });

    it('queries by name, names, search, data, disabled flag and state, with sort and pagination', async () => {
      await save(job('alpha', { nextRunAt: future(1000), data: { user: 'ann', tags: ['x', 'y'] } }));
      await save(job('alpha', { nextRunAt: future(2000), data: { user: 'bob' } }));
      await save(job('Beta', { nextRunAt: future(3000), disabled: true }));
      await save(job('gamma', { nextRunAt: future(4000) }));
      expect((await repo.queryJobs({ name: 'alpha' })).total).to.equal(2);
      expect((await repo.queryJobs({ names: ['alpha', 'gamma'] })).total).to.equal(3);
      expect((await repo.queryJobs({ search: 'ET' })).jobs.map((j) => j.name)).to.deep.equal(['Beta']);
      expect((await repo.queryJobs({ data: { user: 'ann' } })).jobs).to.have.length(1);
      expect((await repo.queryJobs({ data: { tags: ['y'] } })).jobs).to.have.length(1);
      expect((await repo.queryJobs({ includeDisabled: false })).total).to.equal(3);
      expect((await repo.queryJobs({ state: 'paused' })).jobs.map((j) => j.name)).to.deep.equal(['Beta']);
      expect((await repo.queryJobs({ state: 'scheduled' })).total).to.equal(4);
      const page = await repo.queryJobs({ sort: { nextRunAt: 'asc' }, skip: 1, limit: 2 });
      expect(page.total).to.equal(4);
      expect(page.jobs.map((j) => j.nextRunAt!.getTime())).to.satisfy((t: number[]) => t[0] < t[1]);
      expect(page.jobs.map((j) => (j.data as { user?: string }).user ?? j.name)).to.deep.equal(['bob', 'Beta']);
    });

    it('locks a due job exactly once, even when asked concurrently', async () => {
      const saved = await save(job('lock-me'));
      const results = await Promise.all(Array.from({ length: 8 }, () => repo.lockJob(saved, { lastModifiedBy: 'p' })));
      const winners = results.filter(Boolean);
      expect(winners).to.have.length(1);
      expect(winners[0]!.lockedAt).to.be.instanceOf(Date);
      expect(await repo.lockJob(saved, undefined)).to.equal(undefined);
    });

    it('refuses to lock a disabled job or one whose nextRunAt changed', async () => {
      const off = await save(job('off', { disabled: true }));
      expect(await repo.lockJob(off, undefined)).to.equal(undefined);
      const moved = await save(job('moved'));
      expect(await repo.lockJob({ ...moved, nextRunAt: past(5000) }, undefined)).to.equal(undefined);
      expect(await repo.lockJob(moved, undefined)).to.not.equal(undefined);
    });

    it('unlocks one job (unless it is being processed) or many', async () => {
      const a = (await repo.lockJob(await save(job('a')), undefined))!;
      await repo.unlockJob(a);
      expect((await repo.getJobById(String(a._id)))!.lockedAt).to.equal(undefined);
      const running = (await repo.lockJob(await save(job('b')), undefined))!;
      await repo.saveJobState({ ...running, nextRunAt: null }, undefined);
      await repo.unlockJob(running);
      expect((await repo.getJobById(String(running._id)))!.lockedAt).to.be.instanceOf(Date);
      await repo.unlockJobs([running._id!]);
      expect((await repo.getJobById(String(running._id)))!.lockedAt).to.equal(undefined);
    });

    it('picks the next due job of a name, earliest first, and locks it', async () => {
      await save(job('n', { nextRunAt: past(1000), data: { which: 'later' } }));
      await save(job('n', { nextRunAt: past(5000), data: { which: 'earliest' } }));
      await save(job('n', { nextRunAt: future(), data: { which: 'future' } }));
      await save(job('n', { nextRunAt: past(9000), disabled: true, data: { which: 'disabled' } }));
      await save(job('other', { nextRunAt: past(9000) }));
      const scan = new Date(Date.now() + 100);
      const deadline = new Date(Date.now() - 60_000);
      const first = await repo.getNextJobToRun('n', scan, deadline, undefined, { lastModifiedBy: 'p' });
      expect(first!.data).to.deep.equal({ which: 'earliest' });
      expect(first!.lockedAt).to.be.instanceOf(Date);
      expect((await repo.getNextJobToRun('n', scan, deadline, undefined, undefined))!.data).to.deep.equal({ which: 'later' });
      expect(await repo.getNextJobToRun('n', scan, deadline, undefined, undefined)).to.equal(undefined);
    });

    it('takes over a job whose lock expired', async () => {
      const locked = (await repo.lockJob(await save(job('stale')), undefined))!;
      const scan = new Date(Date.now() + 100);
      expect(await repo.getNextJobToRun('stale', scan, new Date(Date.now() - 60_000), undefined, undefined)).to.equal(undefined);
      const taken = await repo.getNextJobToRun('stale', scan, new Date(Date.now() + 1000), undefined, undefined);
      expect(String(taken!._id)).to.equal(String(locked._id));
    });

    it('never hands the same due job to two concurrent callers', async () => {
      for (let i = 0; i < 4; i++) await save(job('race', { nextRunAt: past(1000 + i) }));
      const scan = new Date(Date.now() + 100);
      const deadline = new Date(Date.now() - 60_000);
      const got = await Promise.all(Array.from({ length: 10 }, () => repo.getNextJobToRun('race', scan, deadline, undefined, undefined)));
      const ids = got.filter(Boolean).map((j) => String(j!._id));
      expect(ids).to.have.length(4);
      expect(new Set(ids).size).to.equal(4);
    });

    it('saves processor state, and refuses state for a job that is gone', async () => {
      const saved = await save(job('state'));
      const ran = new Date(Date.now() - 500);
      const done = new Date();
      await repo.saveJobState({ ...saved, lastRunAt: ran, lastFinishedAt: done, failCount: 2, failReason: 'boom', failedAt: done, progress: 40, nextRunAt: future() }, undefined);
      const got = (await repo.getJobById(String(saved._id)))!;
      expect(got).to.include({ failCount: 2, failReason: 'boom', progress: 40 });
      expect(got.lastRunAt!.getTime()).to.equal(ran.getTime());
      expect(got.lastFinishedAt!.getTime()).to.equal(done.getTime());
      await repo.removeJobs({ id: saved._id });
      let error: unknown;
      await repo.saveJobState(saved, undefined).catch((err: unknown) => (error = err));
      expect(error).to.be.instanceOf(Error);
    });

    it('disables and enables by criteria, and does nothing without one', async () => {
      await save(job('d1'));
      await save(job('d1'));
      await save(job('d2', { data: { k: 'v' } }));
      expect(await repo.disableJobs({})).to.equal(0);
      expect(await repo.disableJobs({ name: 'd1' })).to.equal(2);
      expect(await repo.getNextJobToRun('d1', new Date(Date.now() + 100), past(60_000), undefined, undefined)).to.equal(undefined);
      expect(await repo.disableJobs({ data: { k: 'v' } })).to.equal(1);
      expect(await repo.enableJobs({ names: ['d1', 'd2'] })).to.equal(3);
      expect((await repo.queryJobs({ includeDisabled: false })).total).to.equal(3);
    });

    it('removes by id, names, notNames and data; purges everything', async () => {
      const a = await save(job('r1'));
      await save(job('r2', { data: { k: 1 } }));
      await save(job('r3'));
      await save(job('r4'));
      expect(await repo.removeJobs({})).to.equal(0);
      expect(await repo.removeJobs({ id: a._id })).to.equal(1);
      expect(await repo.removeJobs({ data: { k: 1 } })).to.equal(1);
      expect(await repo.removeJobs({ notNames: ['r3'] })).to.equal(1);
      expect(await repo.getDistinctJobNames()).to.deep.equal(['r3']);
      await save(job('r5'));
      expect(await repo.purgeAllJobs()).to.equal(2);
    });

    it('counts the queue and summarises jobs per name', async () => {
      await save(job('q', { nextRunAt: past() }));
      await save(job('q', { nextRunAt: future() }));
      await save(job('z', { nextRunAt: past(), disabled: true }));
      expect(await repo.getQueueSize()).to.equal(2);
      const overview = await repo.getJobsOverview();
      const q = overview.find((o) => o.name === 'q')!;
      expect(q).to.include({ total: 2, queued: 1, scheduled: 1 });
      expect(overview.find((o) => o.name === 'z')).to.include({ total: 1, paused: 1 });
    });

    it('honours unique constraints: insertOnly keeps the first, debounce pushes the run back', async () => {
      const first = await save({ ...job('u', { data: { user: 7, v: 1 } }), unique: { 'data.user': 7 }, uniqueOpts: { insertOnly: true } });
      const second = await save({ ...job('u', { data: { user: 7, v: 2 } }), unique: { 'data.user': 7 }, uniqueOpts: { insertOnly: true } });
      expect(String(second._id)).to.equal(String(first._id));
      expect(second.data).to.deep.equal({ user: 7, v: 1 });
      const deb1 = await save({ ...job('deb', { data: { key: 'a' } }), unique: { 'data.key': 'a' }, uniqueOpts: { debounce: { delay: 60_000 } } });
      expect(deb1.nextRunAt!.getTime()).to.be.greaterThan(Date.now() + 30_000);
      const deb2 = await save({ ...job('deb', { data: { key: 'a', more: true } }), unique: { 'data.key': 'a' }, uniqueOpts: { debounce: { delay: 60_000 } } });
      expect(String(deb2._id)).to.equal(String(deb1._id));
      expect(deb2.data).to.deep.equal({ key: 'a', more: true });
      expect((await repo.queryJobs({ name: 'deb' })).total).to.equal(1);
    });
  });
}
