import { expect } from 'chai';
import { loadConfig } from '../../../src/config/index.js';
import { ConfigError } from '../../../src/lib/errors.js';

describe('scheduler configuration', () => {
  it('runs the scheduler by default, with a short lock lifetime', () => {
    const { scheduler } = loadConfig({});
    expect(scheduler).to.deep.equal({ enabled: true, processEveryMs: 5000, lockLifetimeMs: 20_000, historyDays: 90 });
  });

  it('turns it off with NASD_SCHEDULER=false and rejects nonsense', () => {
    expect(loadConfig({ NASD_SCHEDULER: 'false' }).scheduler.enabled).to.equal(false);
    expect(() => loadConfig({ NASD_SCHEDULER: 'maybe' })).to.throw(ConfigError, /NASD_SCHEDULER/);
    expect(() => loadConfig({}, { scheduler: { processEveryMs: 10 } })).to.throw(ConfigError, /scheduler\.processEveryMs/);
  });
});
