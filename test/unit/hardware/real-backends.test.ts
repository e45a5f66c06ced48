import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { MdadmRaidBackend } from '../../../hardware/raid/mdadm.js';
import { SmartctlBackend } from '../../../hardware/smart/smartctl.js';
import type { CommandRunner } from '../../../src/lib/exec.js';
import { makeTmpDir } from '../../helpers/tmp.js';
import { rejection } from '../../helpers/rejection.js';

const FIXTURES = path.resolve('test/fixtures');

/** A runner that answers from the recorded files the way the fake scripts do, and remembers every argv. */
function recordedRunner(calls: string[][]): CommandRunner {
  return async (file, args) => {
    calls.push([path.basename(file), ...args]);
    const read = (rel: string) => fs.readFileSync(path.join(FIXTURES, rel), 'utf8');
    if (args[0] === '--detail') return { exitCode: 0, stdout: read(args[2] === '/dev/md0' ? 'mdadm/md0.export' : 'mdadm/md1-recovery.export'), stderr: '' };
    if (args[0] === '--manage') return args.includes('/dev/sdz') ? { exitCode: 1, stdout: '', stderr: 'mdadm: cannot find /dev/sdz: No such file or directory\n' } : { exitCode: 0, stdout: '', stderr: '' };
    if (args[0] === '--scan-open') return { exitCode: 0, stdout: read('smartctl/scan-open.json'), stderr: '' };
    if (args[1] === '-t') return { exitCode: 0, stdout: read('smartctl/selftest-started.json'), stderr: '' };
    const files: Record<string, [string, number]> = {
      '/dev/sda': ['ata-hdd.json', 0], '/dev/sdb': ['sata-ssd.json', 0], '/dev/sdc': ['scsi-sas.json', 0], '/dev/sdd': ['failing-hdd.json', 216],
      '/dev/sde': ['usb-bridge.json', 1], '/dev/sdf': ['standby.json', 2], '/dev/nvme0': ['nvme.json', 0],
    };
    const [name, exitCode] = files[args[args.length - 1]];
    return { exitCode, stdout: read(`smartctl/${name}`), stderr: '' };
  };
}


describe('hardware/raid: mdadm backend over a recorded /proc and /sys', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let calls: string[][];
  let raid: MdadmRaidBackend;
  beforeEach(() => {
    tmp = makeTmpDir();
    fs.cpSync(path.join(FIXTURES, 'sysfs/nas1'), tmp.dir, { recursive: true });
    calls = [];
    raid = new MdadmRaidBackend({ procRoot: path.join(tmp.dir, 'proc'), sysRoot: path.join(tmp.dir, 'sys'), mdadm: '/usr/sbin/mdadm', run: recordedRunner(calls) });
  });
  afterEach(() => tmp.remove());

  it('detects arrays in mdstat, and none where mdstat is absent', async () => {
    expect(await MdadmRaidBackend.detect(path.join(tmp.dir, 'proc'))).to.equal(true);
    expect(await MdadmRaidBackend.detect(tmp.dir)).to.equal(false);
  });

  it('lists arrays with slots from sysfs and a recovery in progress', async () => {
    const [md1, md0] = await raid.listArrays();
    expect(md0).to.deep.equal({
      name: 'md0', level: 'raid1', state: 'active', sizeBytes: 976630464 * 1024, degraded: false,
      disks: { active: 2, total: 2, failed: 0, spare: 0 },
      members: [{ device: 'sda1', slot: 0, role: 'active' }, { device: 'sdb1', slot: 1, role: 'active' }], sync: null,
    });
    expect(md1.degraded).to.equal(true);
    expect(md1.sync).to.deep.equal({ action: 'recovery', percent: 31.6, speedKiBs: 146620, finishMinutes: 151.8, status: 'running' });
    expect(md1.members.map((m) => `${m.device}@${m.slot}`)).to.deep.equal(['sdc1@0', 'sdd1@1', 'sde1@2', 'sdf1@3']);
    expect(calls).to.deep.equal([]);
  });

  it('adds mdadm --detail --export and sysfs counters for one array', async () => {
    const md0 = await raid.getArray('md0');
    expect(md0).to.include({ uuid: '3f1c9a2e:7b4d6e80:a9c1d2e3:f4051627', metadata: '1.2', raidDevices: 2, mismatchCount: 0, syncAction: 'idle' });
    expect(calls).to.deep.equal([['mdadm', '--detail', '--export', '/dev/md0']]);
    expect((await rejection(raid.getArray('md7'))).code).to.equal('DEVICE_NOT_FOUND');
  });

  it('offers only free block devices as new members', async () => {
    expect(await raid.listCandidates()).to.deep.equal(['sdg', 'sdh1']);
  });

  it('starts and stops a scrub by writing md/sync_action', async () => {
    const action = path.join(tmp.dir, 'sys/block/md0/md/sync_action');
    expect((await rejection(raid.startScrub('md1'))).code).to.equal('DEVICE_BUSY');
    await raid.startScrub('md0');
    expect(fs.readFileSync(action, 'utf8')).to.equal('check\n');
    fs.writeFileSync(path.join(tmp.dir, 'proc/mdstat'), fs.readFileSync(path.join(FIXTURES, 'mdstat/check-raid1.txt')));
    await raid.stopScrub('md0');
    expect(fs.readFileSync(action, 'utf8')).to.equal('idle\n');
  });

  it('runs mdadm with an argv for fail/add/replace/remove and refuses what would lose data', async () => {
    await raid.failMember('md0', 'sdb1');
    await raid.addMember('md0', 'sdg');
    await raid.replaceMember('md0', 'sda1', 'sdh1');
    expect(calls.filter((c) => c[1] === '--manage')).to.deep.equal([
      ['mdadm', '--manage', '/dev/md0', '--fail', '/dev/sdb1'],
      ['mdadm', '--manage', '/dev/md0', '--add', '/dev/sdg'],
      ['mdadm', '--manage', '/dev/md0', '--add-spare', '/dev/sdh1'],
      ['mdadm', '--manage', '/dev/md0', '--replace', '/dev/sda1', '--with', '/dev/sdh1'],
    ]);
    // md1 is a degraded raid5 rebuilding: losing another member loses the array.
    expect((await rejection(raid.failMember('md1', 'sdc1'))).message).to.match(/refusing to fail sdc1/);
    expect((await rejection(raid.removeMember('md0', 'sda1'))).message).to.match(/mark it faulty first/);
    expect((await rejection(raid.addMember('md0', 'nvme0n1p2'))).code).to.equal('DEVICE_NOT_FOUND');
    expect((await rejection(raid.addMember('md0', 'sdc1'))).code).to.equal('DEVICE_NOT_FOUND');
  });

  it('refuses to touch the members of a raid0', async () => {
    fs.writeFileSync(path.join(tmp.dir, 'proc/mdstat'), fs.readFileSync(path.join(FIXTURES, 'mdstat/delayed-pending.txt')));
    expect((await rejection(raid.failMember('md127', 'sdk1'))).message).to.match(/raid0 without redundancy/);
  });

  it('turns an mdadm refusal into a clear conflict', async () => {
    fs.mkdirSync(path.join(tmp.dir, 'sys/class/block/sdz'));
    const err = await rejection(raid.addMember('md0', 'sdz'));
    expect(err.code).to.equal('CONFLICT');
    expect(err.message).to.contain('cannot find /dev/sdz');
  });
});

describe('hardware/smart: smartctl backend over recorded output', () => {
  let calls: string[][];
  let smart: SmartctlBackend;
  beforeEach(() => {
    calls = [];
    smart = new SmartctlBackend({ smartctl: 'smartctl', run: recordedRunner(calls) });
  });

  it('scans, then reads every disk with -n standby and its -d type', async () => {
    const disks = await smart.listDisks();
    expect(disks.map((d) => `${d.device}:${d.availability}:${d.verdict}`)).to.deep.equal([
      'sda:available:warning', 'sdb:available:ok', 'sdc:available:ok', 'sdd:available:failing', 'sde:unsupported:unknown', 'sdf:standby:unknown', 'nvme0:available:ok',
    ]);
    expect(calls[1]).to.deep.equal(['smartctl', '-a', '-j', '-n', 'standby', '-d', 'sat', '/dev/sda']);
  });

  it('starts a self-test only on a scanned disk', async () => {
    await smart.startSelfTest('nvme0', 'short');
    expect(calls[calls.length - 1]).to.deep.equal(['smartctl', '-j', '-t', 'short', '-d', 'nvme', '/dev/nvme0']);
    expect((await rejection(smart.startSelfTest('sdx', 'long'))).code).to.equal('DEVICE_NOT_FOUND');
    expect((await rejection(smart.startSelfTest('sdb', 'long'))).code).to.equal('DEVICE_BUSY');
    expect((await rejection(smart.startSelfTest('sde', 'short'))).code).to.equal('UNSUPPORTED');
  });

  it('auto-detects smartctl only when its scan finds disks', async () => {
    expect(await SmartctlBackend.detect('smartctl', recordedRunner([]))).to.equal(true);
    expect(await SmartctlBackend.detect('/nonexistent/smartctl', async () => ({ exitCode: 0, stdout: '{"smartctl":{}}', stderr: '' }))).to.equal(false);
  });
});
