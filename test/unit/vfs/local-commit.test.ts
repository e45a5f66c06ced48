import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { VfsError } from '../../../src/lib/errors.js';
import { LocalBackend } from '../../../src/vfs/backends/local.js';
import type { RawStat } from '../../../src/vfs/backends/raw-stat.js';
import { makeTmpDir } from '../../helpers/tmp.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(() => undefined, (err: unknown) => (err instanceof VfsError ? err.code : String(err)));
}

describe('LocalBackend.commitTemp (putting a finished temp file in place)', () => {
  const tmp = makeTmpDir('nasd-commit-');
  let backend: LocalBackend;
  let n = 0;
  const tempWith = (text: string) => {
    const temp = path.join(backend.root, '.nasd', 'tmp', `t${n++}`);
    fs.writeFileSync(temp, text);
    return temp;
  };
  const onDisk = (key: string) => path.join(backend.root, key);

  before(async () => {
    backend = await LocalBackend.create(tmp.dir);
    fs.mkdirSync(onDisk('homes/alice'), { recursive: true });
    fs.symlinkSync(onDisk('homes/alice'), onDisk('homes/link'));
  });
  after(async () => {
    await backend.close();
    tmp.remove();
  });

  it('renames the temp file into place with the mtime asked for, and returns its stat', async () => {
    const stat = await backend.commitTemp(tempWith('hello'), 'homes/alice/a.txt', { mtimeMs: 1_700_000_000_000 });
    expect(stat).to.include({ type: 'file', size: 5, mtimeMs: 1_700_000_000_000 });
    expect(fs.readFileSync(onDisk('homes/alice/a.txt'), 'utf8')).to.equal('hello');
    expect(fs.statSync(onDisk('homes/alice/a.txt')).mtimeMs).to.equal(1_700_000_000_000);
  });

  it('shows check what is there now, and a failing check leaves both files as they were', async () => {
    const temp = tempWith('new bytes');
    const seen: Array<RawStat | undefined> = [];
    const refuse = async (existing: RawStat | undefined) => {
      seen.push(existing);
      throw new VfsError('QUOTA_EXCEEDED', 'no room');
    };
    expect(await codeOf(backend.commitTemp(temp, 'homes/alice/a.txt', { check: refuse }))).to.equal('QUOTA_EXCEEDED');
    expect(seen[0]).to.include({ type: 'file', size: 5 });
    expect(fs.readFileSync(onDisk('homes/alice/a.txt'), 'utf8')).to.equal('hello');
    expect(fs.existsSync(temp)).to.equal(true);
    await backend.commitTemp(temp, 'homes/alice/fresh.txt', { check: async (existing) => void seen.push(existing) });
    expect(seen[1]).to.equal(undefined);
  });

  it('never replaces when told not to', async () => {
    const temp = tempWith('other');
    expect(await codeOf(backend.commitTemp(temp, 'homes/alice/a.txt', { replace: false }))).to.equal('ALREADY_EXISTS');
    expect(fs.readFileSync(onDisk('homes/alice/a.txt'), 'utf8')).to.equal('hello');
    await backend.commitTemp(temp, 'homes/alice/b.txt', { replace: false });
    expect(fs.readFileSync(onDisk('homes/alice/b.txt'), 'utf8')).to.equal('other');
    expect(fs.existsSync(temp)).to.equal(false);
  });

  it('refuses a folder reached through a symlink, a missing folder and a missing temp file', async () => {
    expect(await codeOf(backend.commitTemp(tempWith('x'), 'homes/link/c.txt'))).to.equal('NOT_FOUND');
    expect(fs.existsSync(onDisk('homes/alice/c.txt'))).to.equal(false);
    expect(await codeOf(backend.commitTemp(tempWith('x'), 'homes/nobody/c.txt'))).to.equal('NOT_FOUND');
    expect(await codeOf(backend.commitTemp(path.join(backend.root, '.nasd', 'tmp', 'gone'), 'homes/alice/d.txt'))).to.equal('NOT_FOUND');
  });
});
