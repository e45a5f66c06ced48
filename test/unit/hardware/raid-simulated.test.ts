import { expect } from 'chai';
import { SimulatedRaidBackend } from '../../../hardware/raid/simulated.js';
import { SimClock } from '../../../hardware/sim-clock.js';
import { rejection } from '../../helpers/rejection.js';


describe('hardware/raid: simulated md0 with a driven clock', () => {
  let clock: SimClock;
  let raid: SimulatedRaidBackend;
  beforeEach(() => {
    clock = new SimClock('manual');
    raid = new SimulatedRaidBackend(clock);
  });

  it('starts as a clean 2 x 5 GB raid1', async () => {
    const [md0] = await raid.listArrays();
    expect(md0).to.deep.equal({
      name: 'md0', level: 'raid1', state: 'active', sizeBytes: Math.floor(5e9 / 1024) * 1024, degraded: false,
      disks: { active: 2, total: 2, failed: 0, spare: 0 },
      members: [{ device: 'vda', slot: 0, role: 'active' }, { device: 'vdb', slot: 1, role: 'active' }],
      sync: null,
    });
    expect(await raid.listCandidates()).to.deep.equal(['vdc', 'vdd']);
  });

  it('fail → degraded → remove → add → recovery with progress → clean', async () => {
    await raid.failMember('md0', 'vdb');
    let md0 = await raid.getArray('md0');
    expect(md0.degraded).to.equal(true);
    expect(md0.disks).to.deep.equal({ active: 1, total: 2, failed: 1, spare: 0 });
    expect((await rejection(raid.failMember('md0', 'vda'))).message).to.match(/refusing to fail vda/);
    expect((await rejection(raid.removeMember('md0', 'vda'))).code).to.equal('CONFLICT');
    await raid.removeMember('md0', 'vdb');
    await raid.addMember('md0', 'vdc');
    md0 = await raid.getArray('md0');
    expect(md0.sync).to.deep.include({ action: 'recovery', percent: 0, status: 'running', speedKiBs: 102400 });
    expect(md0.members.find((m) => m.device === 'vdc')).to.deep.equal({ device: 'vdc', slot: 1, role: 'active' });
    expect(md0.syncAction).to.equal('recover');
    clock.advance(20_000);
    md0 = await raid.getArray('md0');
    expect(md0.sync?.percent).to.be.within(40, 42);
    expect(md0.sync?.finishMinutes).to.be.within(0.4, 0.6);
    expect(md0.degraded).to.equal(true);
    clock.advance(40_000);
    md0 = await raid.getArray('md0');
    expect(md0.sync).to.equal(null);
    expect(md0.degraded).to.equal(false);
    expect(md0.disks).to.deep.equal({ active: 2, total: 2, failed: 0, spare: 0 });
    expect(await raid.listCandidates()).to.deep.equal(['vdb', 'vdd']);
  });

  it('scrub → check progress → clean with a mismatch count; refuses a second scrub', async () => {
    await raid.startScrub('md0');
    expect((await rejection(raid.startScrub('md0'))).code).to.equal('DEVICE_BUSY');
    clock.advance(10_000);
    const during = await raid.getArray('md0');
    expect(during.sync).to.include({ action: 'check', status: 'running' });
    expect(during.sync?.percent).to.be.greaterThan(0).and.lessThan(100);
    clock.advance(60_000);
    const after = await raid.getArray('md0');
    expect(after.sync).to.equal(null);
    expect(after.mismatchCount).to.equal(128);
  });

  it('stops a scrub, but refuses to stop a rebuild or scrub a degraded array', async () => {
    await raid.startScrub('md0');
    await raid.stopScrub('md0');
    expect((await raid.getArray('md0')).sync).to.equal(null);
    await raid.failMember('md0', 'vda');
    expect((await rejection(raid.startScrub('md0'))).message).to.match(/degraded/);
    await raid.addMember('md0', 'vdd');
    expect((await rejection(raid.stopScrub('md0'))).message).to.match(/not scrubbing/);
  });

  it('a spare takes over by itself when a member dies', async () => {
    await raid.addMember('md0', 'vdc');
    expect((await raid.getArray('md0')).disks.spare).to.equal(1);
    raid.fail('vda');
    const md0 = await raid.getArray('md0');
    expect(md0.sync?.action).to.equal('recovery');
    expect(md0.members.find((m) => m.device === 'vdc')?.slot).to.equal(0);
  });

  it('replace rebuilds onto the new disk while the old one serves, then marks it faulty', async () => {
    await raid.replaceMember('md0', 'vda', 'vdd');
    expect((await raid.getArray('md0')).degraded).to.equal(false);
    clock.advance(60_000);
    const md0 = await raid.getArray('md0');
    expect(md0.members).to.deep.equal([
      { device: 'vdd', slot: 0, role: 'active' },
      { device: 'vdb', slot: 1, role: 'active' },
      { device: 'vda', slot: null, role: 'faulty' },
    ]);
  });

  it('validates names against its own listing', async () => {
    expect((await rejection(raid.getArray('md9'))).code).to.equal('DEVICE_NOT_FOUND');
    expect((await rejection(raid.failMember('md0', 'sda'))).code).to.equal('DEVICE_NOT_FOUND');
    expect((await rejection(raid.addMember('md0', '../../etc/passwd'))).code).to.equal('DEVICE_NOT_FOUND');
    expect((await rejection(raid.addMember('md0', 'vda'))).code).to.equal('CONFLICT');
  });
});
