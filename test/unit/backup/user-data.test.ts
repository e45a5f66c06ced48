import { expect } from 'chai';
import { parseRsyncStats, rsyncArgs, describeRsyncFailure } from '../../../src/services/user-data-backup/rsync.js';
import { compareVersions, isVersionName, newVersionName } from '../../../src/services/user-data-backup/versions.js';

describe('user-data backup: version names and rsync arguments', () => {
  it('names a version by its UTC start second without colons, counting up within one second', () => {
    const at = new Date('2026-12-03T14:15:00.789Z');
    expect(newVersionName(at, new Set())).to.equal('2026-12-03T141500Z');
    expect(newVersionName(at, new Set(['2026-12-03T141500Z']))).to.equal('2026-12-03T141500Z-1');
    expect(newVersionName(at, new Set(['2026-12-03T141500Z', '2026-12-03T141500Z-1.partial']))).to.equal('2026-12-03T141500Z-2');
    // after a prune deleted …Z, a newer run still sorts after the versions it follows
    expect(newVersionName(at, new Set(['2026-12-03T141500Z-1', '2026-12-03T141500Z-2', '2026-12-03T141459Z']))).to.equal('2026-12-03T141500Z-3');
  });

  it('recognises only its own names and sorts them by time, then counter', () => {
    for (const name of ['2026-12-03T141500Z', '2026-12-03T141500Z-12']) expect(isVersionName(name), name).to.equal(true);
    for (const name of ['2026-12-03T14:15:00Z', '2026-12-03T141500Z.partial', '2026-12-03T141500Z-0', 'photos', '2026-12-03T141500']) expect(isVersionName(name), name).to.equal(false);
    const names = ['2026-12-03T141500Z-10', '2026-12-04T000000Z', '2026-12-03T141500Z', '2026-12-03T141500Z-2'];
    expect([...names].sort(compareVersions)).to.deep.equal(['2026-12-03T141500Z', '2026-12-03T141500Z-2', '2026-12-03T141500Z-10', '2026-12-04T000000Z']);
  });

  it('passes every path after `--`, absolute, with `/./` where the kept path starts', () => {
    const args = rsyncArgs({ storageRoot: '/srv/nas', sources: ['homes', 'shares/-rf photos'], destination: '/mnt/b/x.partial', linkDest: '/mnt/b/prev' });
    expect(args.slice(args.indexOf('--'))).to.deep.equal(['--', '/srv/nas/./homes', '/srv/nas/./shares/-rf photos', '/mnt/b/x.partial/']);
    expect(args).to.include.members(['--archive', '--relative', '--link-dest=/mnt/b/prev', '--exclude=/.nasd/tmp/']);
    const whole = rsyncArgs({ storageRoot: '/srv/nas', sources: [], destination: '/mnt/b/x.partial', linkDest: null });
    expect(whole.slice(whole.indexOf('--'))).to.deep.equal(['--', '/srv/nas/./', '/mnt/b/x.partial/']);
    expect(whole.some((a) => a.startsWith('--link-dest'))).to.equal(false);
  });

  it('reads --stats with thousands separators, and describes a failure by code and stderr tail', () => {
    const stdout = 'Number of files: 12,345 (reg: 12,000, dir: 345)\nNumber of regular files transferred: 1,002\nTotal file size: 9,876,543,210 bytes\nTotal transferred file size: 4,096 bytes\n';
    expect(parseRsyncStats(stdout)).to.deep.equal({ files: 12345, filesTransferred: 1002, totalBytes: 9876543210, bytesTransferred: 4096 });
    expect(() => parseRsyncStats('sent 1 bytes')).to.throw(/Number of files/);
    expect(describeRsyncFailure(11, 'a\nb\nrsync: write failed: No space left on device (28)\n')).to.equal(
      'rsync exited with code 11 (file I/O error (is the target disk full or read-only?)): a | b | rsync: write failed: No space left on device (28)',
    );
    expect(describeRsyncFailure(99, '')).to.equal('rsync exited with code 99');
  });
});
