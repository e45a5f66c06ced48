import { expect } from 'chai';
import { downsample, type TelemetryPoint } from '../../../src/services/hardware/telemetry-store.js';

const point = (at: number, cpu: number | null, samples = 1): TelemetryPoint => ({
  at, samples, cpuLoadPercent: cpu, memUsedBytes: 100, memTotalBytes: 200, diskReadBps: null, diskWriteBps: null, netRxBps: null, netTxBps: null, fsUsedBytes: null, fsSizeBytes: null,
});

describe('services/hardware: telemetry downsampling', () => {
  it('averages into buckets, skipping nulls (a first sample without rates) and weighting by sample count', () => {
    const out = downsample([point(0, null), point(10_000, 20), point(50_000, 40), point(60_000, 10, 3), point(70_000, 30)], 60_000);
    expect(out).to.have.length(2);
    expect(out[0]).to.include({ at: 0, samples: 3, cpuLoadPercent: 30, memUsedBytes: 100, diskReadBps: null });
    expect(out[1]).to.include({ at: 60_000, samples: 4, cpuLoadPercent: 15 });
  });
});
