import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { AuditEvent } from '../../../src/audit/index.js';
import { SmbAuditReader } from '../../../src/services/smb/index.js';
import { parseFullAudit } from '../../../src/services/smb/full-audit.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const ROOT = '/srv/nasd/storage';
const header = (n = 643) => `[2026/12/02 18:58:55.995163,  1] ../../source3/modules/vfs_full_audit.c:${n}(do_log)\n`;
const line = (msg: string) => `${header()}  ${msg}\n`;

describe('smb full_audit log', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let events: AuditEvent[];
  let reader: SmbAuditReader;
  let options: ConstructorParameters<typeof SmbAuditReader>[0];
  let logFile: string;

  beforeEach(() => {
    tmp = makeTmpDir('nasd-smb-audit-');
    logFile = path.join(tmp.dir, 'nasd.conf.audit.log');
    events = [];
    options = {
      logFile,
      stateFile: `${logFile}.offset`,
      storageRoot: ROOT,
      usersByAccount: async () => new Map([['nasd-alice', { id: 7, username: 'alice' }]]),
      audit: { record: async (e: AuditEvent) => void events.push(e) },
    };
    reader = new SmbAuditReader(options);
  });
  afterEach(() => tmp.remove());

  it('parses the records Samba writes and stops before an unfinished one', () => {
    const text = line('nasd-alice|renameat|ok|/a/x|/a/y') + line('nasd-alice|create_file|ok|0x12019f|file|overwrite_if|/a/f') + header();
    const { records, consumed } = parseFullAudit(text + '  nasd-alice|unlink');
    expect(records).to.deep.equal([
      { account: 'nasd-alice', op: 'renameat', path: '/a/x', to: '/a/y' },
      { account: 'nasd-alice', op: 'create_file', accessMask: 0x12019f, kind: 'file', disposition: 'overwrite_if', path: '/a/f' },
    ]);
    expect(consumed, 'the header whose message is not complete is read again').to.equal(text.length - header().length);
    expect(parseFullAudit(line('nasd-alice|unlinkat|fail (No such file)|/a/x') + 'stray line\n').records).to.deep.equal([]);
  });

  it('maps operations to events with the nasd user and path, and skips reads and paths outside the storage', async () => {
    fs.writeFileSync(logFile, '');
    await reader.run();
    fs.appendFileSync(
      logFile,
      [
        line(`nasd-alice|mkdirat|ok|${ROOT}/homes/alice/d`),
        line(`nasd-alice|renameat|ok|${ROOT}/shares/media/a.txt|${ROOT}/shares/media/d/b.txt`),
        line(`nasd-alice|unlinkat|ok|${ROOT}/shares/media/d/b.txt`),
        line(`nasd-alice|create_file|ok|0x120089|file|open|${ROOT}/shares/media/read-only-open`),
        line(`nasd-alice|create_file|ok|0x80|dir|create|${ROOT}/homes/alice/d`),
        line(`nasd-alice|create_file|ok|0x12019f|file|overwrite_if|${ROOT}/homes/alice/w.txt`),
        line('nasd-alice|unlinkat|ok|/etc/passwd'),
        line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/../bob/x`),
        line(`nasd-ghost|unlinkat|ok|${ROOT}/shares/media/z`),
      ].join(''),
    );
    expect(await reader.run()).to.equal(5);
    const alice = { id: 7, name: 'alice' };
    expect(events).to.deep.equal([
      { action: 'file.mkdir', outcome: 'success', actor: alice, protocol: 'smb', target: '/homes/alice/d', details: {} },
      { action: 'file.move', outcome: 'success', actor: alice, protocol: 'smb', target: '/media/a.txt', details: { to: '/media/d/b.txt' } },
      { action: 'file.delete', outcome: 'success', actor: alice, protocol: 'smb', target: '/media/d/b.txt', details: {} },
      { action: 'file.write', outcome: 'success', actor: alice, protocol: 'smb', target: '/homes/alice/w.txt', details: { disposition: 'overwrite_if' } },
      { action: 'file.delete', outcome: 'success', actor: null, protocol: 'smb', target: '/media/z', details: { account: 'nasd-ghost' } },
    ]);
  });

  it('never audits a line twice, also after a restart, and finishes a partly written record later', async () => {
    fs.writeFileSync(logFile, '');
    await reader.run();
    fs.appendFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/1`) + header());
    expect(await reader.run()).to.equal(1);
    expect(await reader.run()).to.equal(0);
    fs.appendFileSync(logFile, `  nasd-alice|unlinkat|ok|${ROOT}/homes/alice/2\n`);
    const again = new SmbAuditReader(options);
    expect(await again.run()).to.equal(1);
    expect(events.map((e) => e.target)).to.deep.equal(['/homes/alice/1', '/homes/alice/2']);
  });

  it('finishes the rotated file (.old) first, then reads the new one from its start; a truncated file from its start', async () => {
    fs.writeFileSync(logFile, '');
    await reader.run();
    fs.appendFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/1`));
    await reader.run();
    fs.appendFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/2`));
    fs.renameSync(logFile, `${logFile}.old`);
    fs.writeFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/3`));
    expect(await reader.run()).to.equal(2);
    fs.writeFileSync(logFile, '');
    await reader.run();
    fs.writeFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/4`));
    expect(await reader.run()).to.equal(1);
    expect(events.map((e) => e.target)).to.deep.equal(['/homes/alice/1', '/homes/alice/2', '/homes/alice/3', '/homes/alice/4']);
  });

  it('with its state lost, starts at the end of the log instead of auditing old lines again', async () => {
    fs.writeFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/old`));
    expect(await reader.run()).to.equal(0);
    fs.appendFileSync(logFile, line(`nasd-alice|unlinkat|ok|${ROOT}/homes/alice/new`));
    expect(await reader.run()).to.equal(1);
    expect(events.map((e) => e.target)).to.deep.equal(['/homes/alice/new']);
  });

  it('reads a log Samba creates after the first run from its start', async () => {
    expect(await reader.run()).to.equal(0);
    fs.writeFileSync(logFile, line(`nasd-alice|mkdirat|ok|${ROOT}/homes/alice/first`));
    expect(await reader.run()).to.equal(1);
  });

  it('runs before its folder exists (a first start) and keeps its place there', async () => {
    const folder = path.join(tmp.dir, 'samba-not-yet');
    const first = new SmbAuditReader({ ...options, logFile: path.join(folder, 'nasd.conf.audit.log'), stateFile: path.join(folder, 'nasd.conf.audit.log.offset') });
    expect(await first.run()).to.equal(0);
    expect(fs.existsSync(path.join(folder, 'nasd.conf.audit.log.offset'))).to.equal(true);
  });
});
