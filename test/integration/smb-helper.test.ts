import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isRoot, requireSambaTool } from '../helpers/samba.js';
import { makeTmpDir } from '../helpers/tmp.js';

const HELPER = path.resolve('deploy/nasd-smb-helper');

describe('nasd-smb-helper (the privileged step) validates its input', () => {
  let tmp: ReturnType<typeof makeTmpDir>;
  let conf: string;
  let avahiDir: string;
  const run = (args: string[], input = '') =>
    spawnSync(HELPER, args, { input, encoding: 'utf8', env: { PATH: process.env.PATH, NASD_SMB_CONF: conf, NASD_SMB_AVAHI_DIR: avahiDir } });
  const passwd = () => fs.readFileSync('/etc/passwd', 'utf8');

  before(function () {
    if (!requireSambaTool(this, 'smbd')) return;
    if (!isRoot()) {
      if (process.env.CI) throw new Error('the helper tests must run as root under CI');
      console.log('    skipped: the helper creates Unix accounts (run as root)');
      this.skip();
    }
    tmp = makeTmpDir('nasd-smb-helper-');
    fs.mkdirSync(path.join(tmp.dir, 'private'));
    conf = path.join(tmp.dir, 'smb.conf');
    avahiDir = path.join(tmp.dir, 'avahi');
    fs.mkdirSync(avahiDir);
    fs.writeFileSync(conf, `[global]\n   private dir = ${tmp.dir}/private\n   passdb backend = tdbsam:${tmp.dir}/private/passdb.tdb\n   lock directory = ${tmp.dir}\n   state directory = ${tmp.dir}\n   cache directory = ${tmp.dir}\n`);
  });
  after(() => tmp?.remove());

  for (const [what, args] of [
    ['no command', []],
    ['an unknown command', ['adduser', 'nasd-x']],
    ['a name without the nasd- prefix', ['delete', 'root']],
    ['traversal', ['delete', 'nasd-../../etc']],
    ['shell metacharacters', ['set-password', 'nasd-a;id']],
    ['upper case', ['enable', 'nasd-Alice']],
    ['a name past 32 characters', ['delete', `nasd-${'a'.repeat(28)}`]],
    ['an option as name', ['delete', '-r']],
    ['two names', ['disable', 'nasd-a', 'nasd-b']],
    ['an argument to reload', ['reload', '--configfile=/tmp/x']],
  ] as const) {
    it(`refuses ${what} and changes nothing`, () => {
      const before = passwd();
      const r = run([...args]);
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(/^nasd-smb-helper: /);
      expect(passwd()).to.equal(before);
    });
  }

  it('avahi-service installs only an Avahi service group of at most 64 KiB from stdin', () => {
    const good = '<?xml version="1.0"?>\n<service-group>\n</service-group>\n';
    expect(run(['avahi-service', '/etc/shadow'], good).status, 'no path argument').to.equal(2);
    expect(run(['avahi-service'], 'root:x:0:0\n').status).to.equal(2);
    expect(run(['avahi-service'], `${good}${' '.repeat(65_536)}`).status).to.equal(2);
    expect(fs.readdirSync(avahiDir)).to.deep.equal([]);
    expect(run(['avahi-service'], good).status).to.equal(0);
    expect(fs.readFileSync(path.join(avahiDir, 'nasd.service'), 'utf8')).to.equal(good);
    expect(fs.statSync(path.join(avahiDir, 'nasd.service')).mode & 0o777).to.equal(0o644);
  });

  it('refuses set-password without a password on stdin, and one over 256 characters', () => {
    const name = `nasd-h${crypto.randomBytes(3).toString('hex')}`;
    expect(run(['set-password', name], '').status).to.equal(2);
    expect(run(['set-password', name], `${'x'.repeat(257)}\n`).status).to.equal(2);
    expect(passwd()).not.to.include(`${name}:`);
  });

  it('creates the account with no login shell in group nasd, takes the password from stdin only, and deletes it', () => {
    const name = `nasd-h${crypto.randomBytes(3).toString('hex')}`;
    try {
      const r = run(['set-password', name], 'secret with spaces and $(id) `x`\n');
      expect(r.status, r.stderr).to.equal(0);
      const entry = passwd().split('\n').find((l) => l.startsWith(`${name}:`))!;
      expect(entry.split(':')[6]).to.equal('/usr/sbin/nologin');
      expect(spawnSync('id', ['-gn', name], { encoding: 'utf8' }).stdout.trim()).to.equal('nasd');
      expect(spawnSync('pdbedit', ['-s', conf, '-L'], { encoding: 'utf8' }).stdout).to.include(`${name}:`);
      expect(run(['disable', name]).status).to.equal(0);
      expect(spawnSync('pdbedit', ['-s', conf, '-u', name, '-v'], { encoding: 'utf8' }).stdout).to.match(/Account Flags:\s+\[DU/);
      expect(run(['delete', name]).status).to.equal(0);
      expect(passwd()).not.to.include(`${name}:`);
      expect(spawnSync('pdbedit', ['-s', conf, '-L'], { encoding: 'utf8' }).stdout).not.to.include(`${name}:`);
    } finally {
      spawnSync('userdel', [name]);
    }
  });
});
