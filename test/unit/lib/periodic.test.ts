import { expect } from 'chai';
import { pino } from 'pino';
import { PeriodicTask } from '../../../src/lib/periodic.js';

describe('PeriodicTask', () => {
  it('keeps running after failing runs (rejections and synchronous throws) and recovers', async () => {
    let runs = 0;
    const task = new PeriodicTask(
      () => {
        runs++;
        if (runs === 1) throw new Error('synchronous failure');
        if (runs === 2) return Promise.reject(new Error('EMFILE'));
        return Promise.resolve();
      },
      pino({ level: 'silent' }),
      'test task failed',
    );
    task.start(5);
    try {
      for (let i = 0; i < 500 && runs < 4; i++) await new Promise((r) => setTimeout(r, 10));
      expect(runs).to.be.at.least(4);
      expect(task.consecutiveFailures).to.equal(0);
    } finally {
      await task.stop();
    }
    const after = runs;
    await new Promise((r) => setTimeout(r, 50));
    expect(runs, 'stop() ends the loop').to.equal(after);
  });
});
