import { expect } from 'chai';
import { SystemInformationBackend, type SystemInformationModule } from '../../../src/services/hardware/index.js';

/** Just enough of systeminformation for one sample. */
const fakeModule = {
  currentLoad: async () => ({ currentLoad: 12 }),
  mem: async () => ({ total: 1000, available: 400 }),
  fsStats: async () => ({ rx_sec: 1, wx_sec: 2 }),
  networkStats: async () => [{ iface: 'eth0', rx_sec: 3, tx_sec: 4 }],
  fsSize: async () => [{ fs: '/dev/vda', mount: '/', type: 'ext4', size: 100, used: 40 }],
} as unknown as SystemInformationModule;

describe('system telemetry sampler: lazy import of systeminformation', () => {
  it('retries a failed import on the next sample instead of keeping the failure', async () => {
    let attempts = 0;
    const backend = new SystemInformationBackend(
      () => 42,
      async () => {
        attempts++;
        if (attempts === 1) throw Object.assign(new Error("Cannot find package 'systeminformation'"), { code: 'ERR_MODULE_NOT_FOUND' });
        return fakeModule;
      },
    );
    let firstError: unknown;
    await backend.sample().catch((err: unknown) => (firstError = err));
    expect((firstError as Error | undefined)?.message).to.match(/systeminformation/);
    const sample = await backend.sample();
    expect(attempts).to.equal(2);
    expect(sample).to.include({ at: 42, cpuLoadPercent: 12, memUsedBytes: 600, netRxBps: 3, fsUsedBytes: 40 });
    await backend.sample();
    expect(attempts, 'a successful import is kept').to.equal(2);
  });
});
