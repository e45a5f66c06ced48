import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { SmbConfigApplier, usernameMapFileOf } from '../../protocols/smb/index.js';
import { runCommand } from '../../src/lib/exec.js';
import { requireSambaTool } from '../helpers/samba.js';
import { makeTmpDir } from '../helpers/tmp.js';

const GOOD = '   username map = /x/map\n\n[media]\n   path = /tmp\n   read only = yes\n';

describe('smb apply (testparm, atomic install, reload)', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let include: string;
  let reloads: string;

  before(function () {
    requireSambaTool(this, 'testparm');
  });

  beforeEach(() => {
    tmp = makeTmpDir('nasd-smb-apply-');
    include = path.join(tmp.dir, 'samba', 'nasd.conf');
    reloads = path.join(tmp.dir, 'reloads');
  });

  afterEach(() => tmp.remove());

  const applier = (reload: string[] = ['sh', '-c', `echo reload >> ${reloads}`]) => new SmbConfigApplier({ includeFile: include, run: runCommand, reload });

  it('installs a valid file, keeps the previous one, writes the username map and reloads', async () => {
    const first = await applier().apply({ conf: GOOD, usernameMap: 'nasd-a = a\n' });
    expect(first).to.include({ installed: true, reloaded: true });
    expect(first.error).to.equal(undefined);
    const second = GOOD.replace('read only = yes', 'read only = no');
    await applier().apply({ conf: second, usernameMap: 'nasd-b = b\n' });
    expect(fs.readFileSync(include, 'utf8')).to.equal(second);
    expect(fs.readFileSync(`${include}.previous`, 'utf8')).to.equal(GOOD);
    expect(fs.readFileSync(usernameMapFileOf(include), 'utf8')).to.equal('nasd-b = b\n');
    expect(fs.readFileSync(reloads, 'utf8')).to.equal('reload\nreload\n');
    expect(fs.readdirSync(path.dirname(include)).sort()).to.deep.equal(['nasd.conf', 'nasd.conf.previous', 'nasd.conf.usermap']);
  });

  for (const [what, conf] of [
    ['an unknown parameter', GOOD + '   bogus parameter = 1\n'],
    ['a bad boolean', GOOD.replace('read only = yes', 'read only = maybe')],
    ['a broken section header', GOOD + '[broken\n   path = /tmp\n'],
  ] as const) {
    it(`never installs a file with ${what}, keeps the current one and reports testparm's message`, async () => {
      await applier().apply({ conf: GOOD, usernameMap: 'nasd-a = a\n' });
      const result = await applier().apply({ conf, usernameMap: 'nasd-evil = a\n' });
      expect(result).to.include({ installed: false, reloaded: false });
      expect(result.error).to.match(/testparm refused/);
      expect(result.testparm).to.match(/Unknown parameter|not boolean|Error loading/);
      expect(fs.readFileSync(include, 'utf8')).to.equal(GOOD);
      expect(fs.readFileSync(usernameMapFileOf(include), 'utf8')).to.equal('nasd-a = a\n');
      expect(fs.readFileSync(reloads, 'utf8')).to.equal('reload\n');
      expect(fs.readdirSync(path.dirname(include)).sort()).to.deep.equal(['nasd.conf', 'nasd.conf.usermap']);
    });
  }

  it('reports a failed reload with the command output, the file installed', async () => {
    const result = await applier(['sh', '-c', 'echo smbd is not running >&2; exit 1']).apply({ conf: GOOD, usernameMap: '' });
    expect(result).to.include({ installed: true, reloaded: false });
    expect(result.error).to.match(/reload failed: smbd is not running/);
  });
});
