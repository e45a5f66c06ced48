import { expect } from 'chai';
import { RateLimitedError } from '../../../src/lib/errors.js';
import { HashGate } from '../../../src/services/identity/hash-gate.js';
import { PasswordHasher } from '../../../src/services/identity/passwords.js';
import { controlledJob } from '../../helpers/controlled-job.js';

async function refusal(run: () => unknown): Promise<RateLimitedError | undefined> {
  try {
    await run();
    return undefined;
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    return err;
  }
}

describe('identity: hash gate', () => {
  it('runs at most `concurrency` jobs, serves the priority lane first and sheds a full lane with Retry-After', async () => {
    const gate = new HashGate(1, 2);
    const log: string[] = [];
    const jobs = ['a', 'n1', 'n2', 'p1'].map((n) => controlledJob(log, n));
    const running = [gate.run(jobs[0].job, false), gate.run(jobs[1].job, false), gate.run(jobs[2].job, false)];
    const shed = await refusal(() => gate.run(async () => 'n3', false));
    expect(shed?.retryAfterSeconds).to.equal(1);
    running.push(gate.run(jobs[3].job, true));
    expect(log).to.deep.equal(['a']);
    expect(gate.stats()).to.include({ running: 1, queued: 3, shed: 1 });
    for (const name of ['a', 'p1', 'n1', 'n2']) {
      jobs.find((_, i) => ['a', 'n1', 'n2', 'p1'][i] === name)!.finish();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(running)).to.deep.equal(['a', 'n1', 'n2', 'p1']);
    expect(log).to.deep.equal(['a', 'p1', 'n1', 'n2']);
    expect(gate.stats()).to.include({ running: 0, queued: 0, peakRunning: 1, completed: 4 });
  });

  it('admits at most concurrency + queueLength checks per lane', async () => {
    const gate = new HashGate(1, 1);
    const leaves = [gate.admit(false), gate.admit(false)];
    expect(await refusal(() => gate.admit(false))).to.be.instanceOf(RateLimitedError);
    const priority = gate.admit(true); // the other lane still has room
    leaves[0]();
    leaves[0](); // a second call changes nothing
    const again = gate.admit(false);
    expect(await refusal(() => gate.admit(false))).to.be.instanceOf(RateLimitedError);
    for (const leave of [leaves[1], priority, again]) leave();
    expect(gate.stats()).to.include({ admitted: 0, shed: 2 });
  });

  it('merges identical checks in flight into one bcrypt run', async () => {
    const hasher = new PasswordHasher(4, { concurrency: 1, queueLength: 100 });
    const hash = await hasher.hash('right-password');
    const results = await Promise.all([...Array(20).fill('right-password'), 'wrong-password'].map((p) => hasher.verify(p, hash)));
    expect(results.filter(Boolean)).to.have.length(20);
    expect(results[20]).to.equal(false);
    expect(hasher.stats()).to.include({ merged: 19, completed: 3 }); // hash + one merged check + the wrong one
  });
});
