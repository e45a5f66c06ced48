import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseMdstat, mdstatMembers } from '../../../hardware/raid/mdstat.js';
import { parseMdadmDetailExport } from '../../../hardware/raid/detail.js';

const fixture = (name: string) => fs.readFileSync(path.join('test/fixtures/mdstat', name), 'utf8');

describe('hardware/raid: /proc/mdstat parser', () => {
  it('reads a clean raid1 with its bitmap', () => {
    const { personalities, arrays } = parseMdstat(fixture('clean-raid1-bitmap.txt'));
    expect(personalities).to.include.members(['raid1', 'raid10']);
    expect(arrays).to.have.length(1);
    const md0 = arrays[0];
    expect(md0).to.include({ name: 'md0', state: 'active', level: 'raid1', blocks: 5237760, raidDevices: 2, workingDevices: 2, status: 'UU', sync: null });
    expect(md0.bitmap).to.deep.equal({ pagesUsed: 1, pagesTotal: 1, chunkKiB: 65536, file: null });
    expect(mdstatMembers(md0)).to.deep.equal([
      { device: 'sda1', slot: 0, role: 'active' },
      { device: 'sdb1', slot: 1, role: 'active' },
    ]);
  });

  it('reads a degraded raid5 recovering, with percent, speed and finish', () => {
    const md1 = parseMdstat(fixture('recovery-raid5.txt')).arrays[0];
    expect(md1).to.include({ level: 'raid5', raidDevices: 4, workingDevices: 3, status: 'UUU_' });
    expect(md1.sync).to.deep.equal({ action: 'recovery', percent: 18.5, finishMinutes: 0.7, speedKiBs: 19379, status: 'running' });
    expect(md1.members.map((m) => m.device)).to.deep.equal(['sde1', 'sdd1', 'sdc1', 'sdb1']);
  });

  it('reads a running check and a reshape', () => {
    expect(parseMdstat(fixture('check-raid1.txt')).arrays[0].sync).to.deep.equal({ action: 'check', percent: 47.3, finishMinutes: 58.1, speedKiBs: 147529, status: 'running' });
    expect(parseMdstat(fixture('reshape-raid5.txt')).arrays[0].sync).to.deep.equal({ action: 'reshape', percent: 3.4, finishMinutes: 9.4, speedKiBs: 1792, status: 'running' });
  });

  it('reads an inactive array: no level, members as spares, no [n/m]', () => {
    const md = parseMdstat(fixture('inactive.txt')).arrays[0];
    expect(md).to.include({ name: 'md127', state: 'inactive', level: null, blocks: 10475520, raidDevices: null });
    expect(mdstatMembers(md).map((m) => m.role)).to.deep.equal(['spare', 'spare']);
  });

  it('reads a failed (F) member of a degraded mirror', () => {
    const md = parseMdstat(fixture('degraded-failed.txt')).arrays[0];
    expect(md).to.include({ workingDevices: 1, status: 'U_' });
    expect(mdstatMembers(md)).to.deep.equal([
      { device: 'sda1', slot: 0, role: 'active' },
      { device: 'sdb1', slot: null, role: 'faulty' },
    ]);
  });

  it('reads raid10 with a spare and a raid6 resync side by side', () => {
    const [md3, md4] = parseMdstat(fixture('raid10-raid6.txt')).arrays;
    expect(md3).to.include({ level: 'raid10', raidDevices: 4, workingDevices: 4, blocks: 1953260544 });
    expect(md3.members.filter((m) => m.spare).map((m) => m.device)).to.deep.equal(['sde']);
    expect(md3.bitmap).to.include({ pagesUsed: 0, pagesTotal: 15 });
    expect(md4).to.include({ level: 'raid6', raidDevices: 6 });
    expect(md4.sync).to.include({ action: 'resync', percent: 7.1, speedKiBs: 146693, finishMinutes: 412.3 });
  });

  it('reads auto-read-only, pending and delayed resyncs and a raid0 without [n/m]', () => {
    const [ro, delayed, raid0] = parseMdstat(fixture('delayed-pending.txt')).arrays;
    expect(ro.state).to.equal('active (auto-read-only)');
    expect(ro.sync).to.deep.equal({ action: 'resync', percent: null, finishMinutes: null, speedKiBs: null, status: 'pending' });
    expect(delayed.sync).to.include({ action: 'resync', status: 'delayed' });
    expect(delayed.bitmap).to.include({ pagesUsed: 1 });
    expect(raid0).to.include({ level: 'raid0', raidDevices: null, status: null, blocks: 4188160 });
  });

  it('returns no arrays for an empty mdstat and ignores unknown lines', () => {
    expect(parseMdstat('Personalities : \nunused devices: <none>\n').arrays).to.deep.equal([]);
    const md = parseMdstat('md9 : active raid1 sda[0] sdb[1]\n      100 blocks super 1.2 [2/2] [UU]\n      some future line = 12\n').arrays[0];
    expect(md.sync).to.equal(null);
  });
});

describe('hardware/raid: mdadm --detail --export parser', () => {
  it('reads level, uuid, metadata and member roles (numbers, spare), unquoting values', () => {
    const d = parseMdadmDetailExport(fs.readFileSync('test/fixtures/mdadm/md1-recovery.export', 'utf8'));
    expect(d).to.include({ level: 'raid5', raidDevices: 4, metadata: '1.2', uuid: '0a1b2c3d:4e5f6071:8293a4b5:c6d7e8f9', name: 'nas:archive' });
    expect([...d.roles]).to.deep.equal([['sdc1', 0], ['sdd1', 1], ['sde1', 2], ['sdf1', 'spare']]);
  });
});
