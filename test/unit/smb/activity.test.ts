import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { SmbActivity } from '../../../src/services/smb/activity.js';
import { makeTmpDir } from '../../helpers/tmp.js';

describe('SMB activity gate', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let log: string;
  let clock: number;
  let activity: SmbActivity;
  const minutes = (n: number) => n * 60_000;

  beforeEach(() => {
    tmp = makeTmpDir('nasd-smb-activity-');
    log = path.join(tmp.dir, 'audit.log');
    clock = 1_000;
    activity = new SmbActivity(log, () => clock);
  });
  afterEach(() => tmp.remove());

  const runIfDue = async () => {
    const due = await activity.due();
    if (due) activity.ran();
    return due;
  };

  it('runs at first, then skips while Samba logs nothing, until the idle limit', async () => {
    expect(await runIfDue()).to.equal(true);
    clock += minutes(3);
    expect(await runIfDue()).to.equal(false);
    clock += minutes(10);
    expect(await runIfDue()).to.equal(false);
    clock += minutes(3);
    expect(await runIfDue()).to.equal(true);
  });

  it('runs as soon as the audit log grows, and keeps running for two minutes after', async () => {
    fs.writeFileSync(log, 'line 1\n');
    await runIfDue();
    clock += minutes(3);
    expect(await runIfDue()).to.equal(false);
    fs.appendFileSync(log, 'line 2\n');
    expect(await runIfDue()).to.equal(true);
    clock += minutes(1);
    expect(await runIfDue(), 'a handle opened then may still be writing').to.equal(true);
    clock += minutes(1.5);
    expect(await runIfDue()).to.equal(false);
  });

  it('counts a log that appears, or is replaced by a rotation, as activity', async () => {
    await runIfDue();
    clock += minutes(3);
    fs.writeFileSync(log, 'x\n');
    expect(await runIfDue()).to.equal(true);
    clock += minutes(3);
    expect(await runIfDue()).to.equal(false);
    fs.renameSync(log, `${log}.old`);
    fs.writeFileSync(log, 'y\n');
    expect(await runIfDue()).to.equal(true);
  });
});
