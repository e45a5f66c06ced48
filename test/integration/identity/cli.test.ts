import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createPgDatabase, describeEachDb } from '../../helpers/db.js';
import { makeTmpDir } from '../../helpers/tmp.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describeEachDb('identity: nasd user CLI', (kind) => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;

  before(async function () {
    const tmp = makeTmpDir();
    const pg = kind === 'postgres' ? await createPgDatabase(this) : undefined;
    env = { PATH: process.env.PATH ?? '', NASD_DATA_DIR: tmp.dir, NASD_BCRYPT_COST: '4', NASD_LOG_LEVEL: 'silent', ...(pg ? { NASD_DATABASE_URL: pg.url } : {}) };
    cleanup = async () => {
      await pg?.drop();
      tmp.remove();
    };
  });
  after(async () => cleanup?.());

  const nasd = (args: string[], extra: Record<string, string> = {}) =>
    run(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), ...args], { env: { ...env, ...extra }, cwd: root });

  it('adds users, changes a password, lists them and refuses bad names', async () => {
    const added = await nasd(['user', 'add', 'olga', '--admin', '--quota', '1000'], { NASD_USER_PASSWORD: 'olga-password' });
    expect(added.stdout).to.contain('created admin olga');
    expect(added.stdout).to.not.contain('olga-password');

    const generated = await nasd(['user', 'add', 'pia']);
    const password = /password: (\S+)/.exec(generated.stdout)?.[1];
    expect(password).to.match(/^[a-z1-9-]{23}$/);

    await nasd(['user', 'passwd', 'pia'], { NASD_USER_PASSWORD: 'pia-new-password' });
    const list = await nasd(['user', 'list']);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^ID\s+USERNAME\s+ROLE/);
    expect(lines.find((l) => l.includes('olga'))).to.match(/olga\s+admin\s+1000\s+active/);
    expect(lines.find((l) => l.includes('pia'))).to.match(/pia\s+user\s+unlimited\s+active/);

    const bad = await nasd(['user', 'add', 'Bad Name'], { NASD_USER_PASSWORD: 'long-enough' }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).to.include({ code: 1 });
    expect((bad as { stderr: string }).stderr).to.contain('username must be');
  });
});
