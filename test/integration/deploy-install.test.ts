import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { makeTmpDir } from '../helpers/tmp.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** What install.sh reads from a checkout. */
const CHECKOUT_PARTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'protocols', 'hardware', 'migrations', 'admin-ui', 'deploy'];
const FAKE_OLD = ['0.0.1-20200101T000000.000Z', '0.0.2-20210101T000000.000Z'];
const MARKER = 'src/lib/upgrade-marker.ts';

/** Every path under `dir` with its type, mode, size, mtime and link target: equal snapshots mean nothing changed. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p);
      out.push(`${path.relative(dir, p)} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}${st.isSymbolicLink() ? ` -> ${fs.readlinkSync(p)}` : ''}`);
      if (st.isDirectory() && name !== 'node_modules') walk(p);
    }
  };
  walk(dir);
  return out;
}

describe('deploy: install.sh against a throwaway root (install, upgrade, rollback, dry run)', function () {
  this.timeout(600_000);
  let tmp: { dir: string; remove: () => void };
  let root: string;
  let checkout: string;
  let nasdUid: number;
  let nasdGid: number;
  let first: string;
  let second: string;

  const install = (...args: string[]) =>
    run('bash', [path.join(checkout, 'deploy/install.sh'), '--root', root, '--node-modules-from', path.join(repo, 'node_modules'), ...args], { maxBuffer: 16 << 20 });
  const releasesDir = () => path.join(root, 'opt/nasd/releases');
  const active = () => fs.readlinkSync(path.join(root, 'opt/nasd/current'));

  before(function () {
    if (process.getuid?.() !== 0) {
      if (process.env.CI) throw new Error('the install test runs install.sh as root; CI runs as root');
      console.log('      (skipped: install.sh creates users and owners, which needs root)');
      this.skip();
    }
    tmp = makeTmpDir('nasd-install-');
    // The nasd user (made by useradd --root) must be able to walk down to the data directory.
    fs.chmodSync(tmp.dir, 0o755);
    root = path.join(tmp.dir, 'root');
    checkout = path.join(tmp.dir, 'checkout');
    fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
    for (const [file, mode] of [['passwd', 0o644], ['group', 0o644], ['shadow', 0o640], ['gshadow', 0o640]] as const) {
      fs.writeFileSync(path.join(root, 'etc', file), file === 'passwd' ? 'root:x:0:0:root:/root:/bin/bash\n' : file === 'group' ? 'root:x:0:\n' : 'root:*::\n', { mode });
    }
    fs.mkdirSync(checkout);
    for (const part of CHECKOUT_PARTS) fs.cpSync(path.join(repo, part), path.join(checkout, part), { recursive: true });
    fs.writeFileSync(path.join(checkout, MARKER), '/** Present only in the first build of the install test. */\nexport const FIRST_BUILD = true;\n');
    for (const name of FAKE_OLD) fs.mkdirSync(path.join(releasesDir(), name, 'dist'), { recursive: true });
  });
  after(() => tmp?.remove());

  it('prints its options with --help and refuses an unknown one', async () => {
    const help = await run('bash', [path.join(repo, 'deploy/install.sh'), '--help']);
    for (const option of ['--nginx', '--smb', '--rollback', '--dry-run', '--root DIR', '--keep N', '--node-modules-from DIR']) expect(help.stdout).to.contain(option);
    const bad = await run('bash', [path.join(repo, 'deploy/install.sh'), '--bogus']).catch((e: { code: number; stderr: string }) => e);
    expect(bad).to.include({ code: 1 });
    expect((bad as { stderr: string }).stderr).to.contain("unknown option '--bogus'");
  });

  it('installs a release of what runs only, the nasd user, a 0640 env file bound to loopback, and the unit', async () => {
    const out = await install('--nginx');
    expect(out.stdout).to.contain('listen on 127.0.0.1:8080 only');
    expect(out.stdout).to.contain('service: not restarted (--root');

    const user = fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('nasd:'));
    expect(user, 'useradd --root made the nasd user').to.be.a('string');
    [nasdUid, nasdGid] = user!.split(':').slice(2, 4).map(Number);

    first = path.basename(active());
    expect(active()).to.equal(`releases/${first}`);
    expect(first).to.match(/^0\.1\.0-\d{8}T\d{6}\.\d{3}Z$/);
    const release = path.join(releasesDir(), first);
    expect(fs.readdirSync(release).sort()).to.deep.equal(['admin-ui', 'deploy', 'dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(fs.existsSync(path.join(release, 'dist/src/cli.js'))).to.equal(true);
    expect(fs.existsSync(path.join(release, 'dist/src/lib/upgrade-marker.js'))).to.equal(true);
    expect(fs.readdirSync(path.join(release, 'dist/migrations')).filter((f) => f.endsWith('.js'))).to.have.length(fs.readdirSync(path.join(repo, 'migrations')).length);
    for (const dev of ['typescript', 'tsx', 'mocha', 'chai', 'playwright-core', '@types/node']) {
      expect(fs.existsSync(path.join(release, 'node_modules', dev)), `${dev} is a dev dependency`).to.equal(false);
    }
    expect(fs.existsSync(path.join(release, 'node_modules/koa'))).to.equal(true);

    const env = fs.statSync(path.join(root, 'etc/nasd/nasd.env'));
    expect(env.mode & 0o777).to.equal(0o640);
    expect([env.uid, env.gid]).to.deep.equal([0, nasdGid]);
    const envText = fs.readFileSync(path.join(root, 'etc/nasd/nasd.env'), 'utf8');
    expect(envText).to.match(/^NASD_HOST=127\.0\.0\.1$/m);
    expect(envText).to.match(/^NASD_TRUST_PROXY=true$/m);

    const data = fs.statSync(path.join(root, 'var/lib/nasd'));
    expect([data.uid, data.mode & 0o777]).to.deep.equal([nasdUid, 0o750]);
    // Migrations ran as the nasd user before the switch.
    expect(fs.statSync(path.join(root, 'var/lib/nasd/nasd.sqlite')).uid).to.equal(nasdUid);
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/nasd.service'), 'utf8')).to.contain('/opt/nasd/current/dist/src/cli.js serve');
  });

  it('the installed release starts as the nasd user with production dependencies only and answers /api/health', async () => {
    const settings = fs
      .readFileSync(path.join(root, 'etc/nasd/nasd.env'), 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l));
    const env = [...settings, 'NODE_ENV=production', 'PATH=/usr/bin:/bin', `NASD_DATA_DIR=${path.join(root, 'var/lib/nasd')}`, 'NASD_PORT=0', 'NASD_HW_MODE=simulated', 'NASD_SMB=off', 'NASD_LOG_LEVEL=silent'];
    const child = spawn('setpriv', [`--reuid=${nasdUid}`, `--regid=${nasdGid}`, '--clear-groups', '--', 'env', '-i', ...env, process.execPath, path.join(root, 'opt/nasd/current/dist/src/cli.js'), 'serve'], {
      cwd: path.join(root, 'opt/nasd/current'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
          if (m) resolve(Number(m[1]));
        });
        void exited.then((code) => reject(new Error(`installed nasd exited (${code}): ${err}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.include({ version: '0.1.0' });
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(fs.statSync(path.join(root, 'var/lib/nasd/jwt-secret')).uid).to.equal(nasdUid);
  });

  it('a dry run of an upgrade prints every step and changes nothing', async () => {
    fs.rmSync(path.join(checkout, MARKER));
    const pkg = JSON.parse(fs.readFileSync(path.join(checkout, 'package.json'), 'utf8'));
    fs.writeFileSync(path.join(checkout, 'package.json'), JSON.stringify({ ...pkg, version: '0.1.1' }, null, 2));
    const before = snapshot(tmp.dir);
    const out = await install('--dry-run');
    expect(snapshot(tmp.dir)).to.deep.equal(before);
    expect(out.stdout).to.contain('dry run: nothing is changed');
    expect(out.stdout).to.contain(`upgrading ${first} -> 0.1.1-`);
    for (const step of ['tsc -p', 'prune --omit=dev', ' backup --config ', ' migrate', '+ ln -sfn releases/0.1.1-', '+ mv -T']) expect(out.stdout).to.contain(step);
  });

  it('an upgrade switches to a new release without stale files, keeps the previous one and prunes beyond --keep', async () => {
    const envBefore = fs.readFileSync(path.join(root, 'etc/nasd/nasd.env'));
    const out = await install();
    second = path.basename(active());
    expect(second).to.match(/^0\.1\.1-/);
    expect(out.stdout).to.contain(`previous: ${first}`);
    expect(fs.existsSync(path.join(root, 'opt/nasd/current/dist/src/cli.js'))).to.equal(true);
    expect(fs.existsSync(path.join(root, 'opt/nasd/current/dist/src/lib/upgrade-marker.js')), 'a file removed upstream is gone').to.equal(false);
    expect(fs.readFileSync(path.join(root, 'etc/nasd/nasd.env')).equals(envBefore), 'the env file is never overwritten').to.equal(true);
    // --keep 3: the oldest fake release went, the newer fake and the previous release stayed.
    expect(fs.readdirSync(releasesDir()).sort()).to.deep.equal([FAKE_OLD[1], first, second].sort());
    const backup = fs.statSync(path.join(root, `var/lib/nasd/backups/before-${second}.nasdbak`));
    expect([backup.uid, backup.mode & 0o777]).to.deep.equal([nasdUid, 0o600]);
    expect(fs.readdirSync(root).some((n) => n.startsWith('.staging')) || fs.readdirSync(path.join(root, 'opt/nasd')).some((n) => n.startsWith('.staging'))).to.equal(false);
  });

  it('--rollback switches back to the previous release', async () => {
    const out = await install('--rollback');
    expect(out.stdout).to.contain(`rolling back from ${second} to ${first}`);
    expect(active()).to.equal(`releases/${first}`);
    expect(fs.existsSync(path.join(root, 'opt/nasd/current/dist/src/lib/upgrade-marker.js'))).to.equal(true);
  });

  it('systemd-analyze verify passes on the unit', async function () {
    const which = await run('sh', ['-c', 'command -v systemd-analyze']).catch(() => null);
    if (!which) {
      if (process.env.CI) throw new Error('systemd-analyze is missing under CI (.ci/run installs systemd)');
      console.log('      (skipped: systemd-analyze is not installed; apt-get install systemd)');
      this.skip();
    }
    const out = await run('systemd-analyze', ['verify', path.join(repo, 'deploy/nasd.service')]);
    expect(out.stderr).to.equal('');
  });
});
