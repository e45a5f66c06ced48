import { expect } from 'chai';
import { ConcurrencyLimit } from '../../../src/lib/concurrency-limit.js';
import { controlledJob } from '../../helpers/controlled-job.js';

const turn = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimit', () => {
  it('runs at most `limit` jobs, starting one at once when a slot is free', async () => {
    const limit = new ConcurrencyLimit(2);
    const log: string[] = [];
    const jobs = ['a', 'b', 'c'].map((n) => controlledJob(log, n));
    const results = jobs.map((j) => limit.run(j.job));
    expect(log).to.deep.equal(['a', 'b']);
    expect(limit).to.include({ running: 2, full: true });
    expect(limit.queued()).to.equal(1);
    jobs[1].finish();
    await turn();
    expect(log).to.deep.equal(['a', 'b', 'c']);
    expect(limit.running).to.equal(2);
    jobs[0].finish();
    jobs[2].finish();
    expect(await Promise.all(results)).to.deep.equal(['a', 'b', 'c']);
    expect(limit).to.include({ running: 0, full: false });
  });

  it('serves lane 0 before lane 1, each in order of arrival, and a newcomer waits behind the queue', async () => {
    const limit = new ConcurrencyLimit(1, 2);
    const log: string[] = [];
    const names = ['first', 'n1', 'n2', 'p1', 'p2'];
    const jobs = new Map(names.map((n) => [n, controlledJob(log, n)]));
    const lanes = [0, 1, 1, 0, 0];
    const results = names.map((n, i) => limit.run(jobs.get(n)!.job, lanes[i]));
    expect([limit.queued(0), limit.queued(1), limit.queued()]).to.deep.equal([2, 2, 4]);
    jobs.get('first')!.finish();
    await turn();
    expect(log).to.deep.equal(['first', 'p1']);
    expect(limit.running).to.equal(1);
    // Arrives once the slot was handed over: it waits behind everyone already in its lane.
    const late = controlledJob(log, 'late');
    results.push(limit.run(late.job, 0));
    for (const n of ['p1', 'p2', 'late', 'n1', 'n2']) {
      (n === 'late' ? late : jobs.get(n)!).finish();
      await turn();
    }
    await Promise.all(results);
    expect(log).to.deep.equal(['first', 'p1', 'p2', 'late', 'n1', 'n2']);
  });

  it('frees the slot of a failing job and passes the failure on', async () => {
    const limit = new ConcurrencyLimit(1);
    const failed = limit.run(async () => {
      throw new Error('boom');
    });
    const next = limit.run(async () => 'next');
    expect(await failed.then(() => null, (e: Error) => e.message)).to.equal('boom');
    expect(await next).to.equal('next');
    expect(limit.running).to.equal(0);
  });
});
