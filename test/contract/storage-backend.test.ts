import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { expect } from 'chai';
import { VfsError } from '../../src/lib/errors.js';
import { commitTemp, openStorageBackend, type StorageBackend, type StorageBackendKind } from '../../src/vfs/backends/index.js';
import { makeTmpDir } from '../helpers/tmp.js';

/**
 * The StorageBackend contract: every behaviour the VFS relies on, run against each
 * implementation (the reference one is the yardstick; the fast one must pass all of it).
 */
const KINDS: StorageBackendKind[] = ['reference', 'fast'];

/** The VfsError code a call fails with; anything that is not a VfsError is rethrown. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VfsError) return err.code;
    throw err;
  }
  throw new Error('expected a VfsError');
}

const chunks = (...parts: Array<string | Buffer>) => Readable.from(parts.map((p) => Buffer.from(p)));
const sha256 = (b: Buffer | string) => crypto.createHash('sha256').update(b).digest('hex');

async function sendToBuffer(send: (out: Writable) => Promise<void>): Promise<Buffer> {
  const got: Buffer[] = [];
  await send(new Writable({ write: (chunk: Buffer, _enc, done) => void (got.push(Buffer.from(chunk)), done()) }));
  return Buffer.concat(got);
}

for (const kind of KINDS) {
  describe(`storage backend contract: ${kind}`, () => {
    const tmp = makeTmpDir(`nasd-backend-${kind}-`);
    const outside = makeTmpDir('nasd-outside-');
    let backend: StorageBackend;
    let areas = 0;
    const onDisk = (key: string) => path.join(backend.root, key);
    const tempNames = () => fs.readdirSync(onDisk('.nasd/tmp'));
    /** A fresh area root of this test's own, so no test depends on another. */
    const area = async () => {
      const key = `homes/t${areas++}`;
      await backend.ensureArea(key);
      return key;
    };
    /** Writes and commits a file, as the VFS does for a PUT. */
    const put = async (key: string, content: string | Buffer) => {
      const temp = await backend.writeTemp(chunks(content), undefined, Buffer.byteLength(content));
      return commitTemp(backend, temp.tempPath, key);
    };

    before(async () => {
      backend = await openStorageBackend(kind, tmp.dir);
      fs.writeFileSync(path.join(outside.dir, 'secret.txt'), 'outside');
    });
    /** The temp area as each test found it: a test leaves it so. */
    let tempsAtStart: string[] = [];
    beforeEach(() => {
      tempsAtStart = tempNames();
    });
    after(async () => {
      await backend?.close();
      tmp.remove();
      outside.remove();
    });

    it(`says it is the ${kind} backend and lays out its root`, () => {
      expect(backend.kind).to.equal(kind);
      expect(backend.root).to.equal(fs.realpathSync(tmp.dir));
      for (const dir of ['homes', 'shares', '.nasd/tmp', '.nasd/uploads']) expect(fs.statSync(onDisk(dir)).isDirectory(), dir).to.equal(true);
    });

    it('creates a file that is complete on disk once the commit resolved, with its size and sha256', async () => {
      const a = await area();
      for (const content of ['small body', crypto.randomBytes(200_000)]) {
        const temp = await backend.writeTemp(chunks(content), undefined, Buffer.byteLength(content));
        expect(temp.size).to.equal(Buffer.byteLength(content));
        expect(temp.sha256).to.equal(sha256(content));
        expect(path.dirname(temp.tempPath)).to.equal(onDisk('.nasd/tmp'));
        expect(path.basename(temp.tempPath).startsWith(`${backend.instanceId}_`)).to.equal(true);
        const stat = await commitTemp(backend, temp.tempPath, `${a}/f${temp.size}`);
        expect(stat).to.include({ type: 'file', size: temp.size });
        expect(fs.readFileSync(onDisk(`${a}/f${temp.size}`)).equals(Buffer.from(content))).to.equal(true);
      }
      expect(tempNames()).to.deep.equal(tempsAtStart);
    });

    it('streams a body of unknown size in many chunks', async () => {
      const a = await area();
      const parts = Array.from({ length: 40 }, () => crypto.randomBytes(64 * 1024));
      const temp = await backend.writeTemp(Readable.from(parts));
      expect(temp.size).to.equal(40 * 64 * 1024);
      expect(temp.sha256).to.equal(sha256(Buffer.concat(parts)));
      await commitTemp(backend, temp.tempPath, `${a}/big.bin`);
      expect(sha256(fs.readFileSync(onDisk(`${a}/big.bin`)))).to.equal(temp.sha256);
    });

    it('asks the guard with the running total before each chunk, and a refusal leaves no temp file', async () => {
      const totals: number[] = [];
      const temp = await backend.writeTemp(chunks('abc', 'defg'), (n) => void totals.push(n));
      expect(totals.at(-1)).to.equal(7);
      await backend.discardTemp(temp.tempPath);
      for (const hint of [undefined, 7]) {
        const refuse = (n: number) => {
          if (n > 3) throw new VfsError('QUOTA_EXCEEDED', 'no room');
        };
        expect(await codeOf(backend.writeTemp(chunks('abc', 'defg'), refuse, hint))).to.equal('QUOTA_EXCEEDED');
      }
      expect(tempNames()).to.deep.equal(tempsAtStart);
    });

    it('fails a write whose source breaks off, leaving no temp file', async () => {
      const source = new PassThrough();
      const writing = backend.writeTemp(source);
      source.write(Buffer.alloc(1000));
      setImmediate(() => source.destroy(new Error('client went away')));
      await writing.then(
        () => expect.fail('the write should fail'),
        (err: unknown) => expect(err).to.be.instanceOf(Error),
      );
      expect(tempNames()).to.deep.equal(tempsAtStart);
    });

    it('overwrites atomically, refuses to replace when told not to, and inspects what is there before placing', async () => {
      const a = await area();
      await put(`${a}/f.txt`, 'old');
      const next = await backend.writeTemp(chunks('newer'));
      const inspected = await backend.inspectCommit(next.tempPath, `${a}/f.txt`, { mtimeMs: 1_700_000_000_000 });
      expect(inspected.existing).to.include({ type: 'file', size: 3 });
      expect(inspected.temp).to.include({ type: 'file', size: 5, mtimeMs: 1_700_000_000_000 });
      expect(fs.readFileSync(onDisk(`${a}/f.txt`), 'utf8')).to.equal('old');
      expect(fs.existsSync(next.tempPath)).to.equal(true);
      expect(await codeOf(backend.placeTemp(next.tempPath, `${a}/f.txt`, inspected, { replace: false }))).to.equal('ALREADY_EXISTS');
      expect(fs.readFileSync(onDisk(`${a}/f.txt`), 'utf8')).to.equal('old');
      const stat = await backend.placeTemp(next.tempPath, `${a}/f.txt`, inspected);
      expect(stat).to.include({ size: 5, mtimeMs: 1_700_000_000_000 });
      expect(fs.readFileSync(onDisk(`${a}/f.txt`), 'utf8')).to.equal('newer');
      const fresh = await backend.writeTemp(chunks('x'));
      const freshInspected = await backend.inspectCommit(fresh.tempPath, `${a}/fresh.txt`);
      expect(freshInspected.existing).to.equal(undefined);
      await backend.placeTemp(fresh.tempPath, `${a}/fresh.txt`, freshInspected, { replace: false });
      expect(fs.readFileSync(onDisk(`${a}/fresh.txt`), 'utf8')).to.equal('x');
      expect(tempNames()).to.deep.equal(tempsAtStart);
    });

    it('syncs folders to disk (one named twice is fine) and names a missing one by its key', async () => {
      const a = await area();
      await put(`${a}/f.txt`, 'x');
      await backend.syncFolders([a, a, `${a}`]);
      const err = await backend.syncFolders([a, `${a}/gone`]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(VfsError);
      expect((err as VfsError).code).to.equal('NOT_FOUND');
      expect((err as VfsError).message).to.include(`${a}/gone`).and.not.include(onDisk(''));
    });

    it('probes and inspects again at once a folder that was just probed and then swapped for a symlink, removed or replaced by a file', async () => {
      const a = await area();
      await backend.mkdir(`${a}/d`);
      await put(`${a}/d/f.txt`, 'x');
      expect((await backend.probe(`${a}/d/f.txt`)).entry).to.include({ type: 'file' });
      const temp = await backend.writeTemp(chunks('y'));
      expect((await backend.inspectCommit(temp.tempPath, `${a}/d/f.txt`)).existing).to.include({ type: 'file', size: 1 });
      fs.renameSync(onDisk(`${a}/d`), onDisk(`${a}/moved`));
      fs.symlinkSync(onDisk(`${a}/moved`), onDisk(`${a}/d`));
      expect(await codeOf(backend.inspectCommit(temp.tempPath, `${a}/d/f.txt`))).to.equal('NOT_FOUND');
      expect(await backend.probe(`${a}/d/f.txt`)).to.deep.equal({ parent: 'missing', entry: undefined });
      await backend.discardTemp(temp.tempPath);
      fs.unlinkSync(onDisk(`${a}/d`));
      expect(await backend.probe(`${a}/d/f.txt`)).to.deep.equal({ parent: 'missing', entry: undefined });
      fs.writeFileSync(onDisk(`${a}/d`), 'now a file');
      expect(await backend.probe(`${a}/d/f.txt`)).to.deep.equal({ parent: 'file', entry: undefined });
    });

    it('refuses a commit into a missing folder, through a symlinked folder, or of a missing temp file', async () => {
      const a = await area();
      fs.symlinkSync(outside.dir, onDisk(`${a}/link`));
      const temp = await backend.writeTemp(chunks('x'));
      expect(await codeOf(commitTemp(backend, temp.tempPath, `${a}/link/evil.txt`))).to.equal('NOT_FOUND');
      expect(await codeOf(commitTemp(backend, temp.tempPath, `${a}/nowhere/evil.txt`))).to.equal('NOT_FOUND');
      expect(fs.existsSync(path.join(outside.dir, 'evil.txt'))).to.equal(false);
      await backend.discardTemp(temp.tempPath);
      expect(await codeOf(commitTemp(backend, onDisk('.nasd/tmp/gone'), `${a}/d.txt`))).to.equal('NOT_FOUND');
    });

    it('reads whole files, byte ranges, small files inline and big ones through send()', async () => {
      const a = await area();
      const big = crypto.randomBytes(3 * 1024 * 1024 + 5);
      await put(`${a}/small.txt`, 'hello world');
      await put(`${a}/big.bin`, big);
      const whole = await backend.openRead(`${a}/small.txt`);
      expect(whole.stat).to.include({ type: 'file', size: 11 });
      expect((await buffer(whole.stream)).toString()).to.equal('hello world');
      expect((await buffer((await backend.openRead(`${a}/small.txt`, { start: 6, end: 10 })).stream)).toString()).to.equal('world');
      const inline = await backend.openWhole(`${a}/small.txt`, 64);
      expect(inline.data?.toString()).to.equal('hello world');
      const sent = await backend.openWhole(`${a}/big.bin`, 64);
      expect(sent.data).to.equal(undefined);
      expect((await sendToBuffer(sent.send as (out: Writable) => Promise<void>)).equals(big)).to.equal(true);
      expect(await codeOf(backend.openRead(a))).to.equal('IS_A_DIRECTORY');
      expect(await codeOf(backend.openWhole(a, 64))).to.equal('IS_A_DIRECTORY');
      expect(await codeOf(backend.openRead(`${a}/missing`))).to.equal('NOT_FOUND');
      expect(await codeOf(backend.openWhole(`${a}/missing`, 64))).to.equal('NOT_FOUND');
    });

    it('stats, probes and lists: parents, files, folders and what is missing', async () => {
      const a = await area();
      await backend.mkdir(`${a}/dir`);
      await put(`${a}/f.txt`, 'abc');
      expect(await backend.stat(`${a}/f.txt`)).to.include({ type: 'file', size: 3 });
      expect(await backend.stat(`${a}/dir`)).to.include({ type: 'directory', size: 0 });
      expect(await backend.tryStat(`${a}/none`)).to.equal(undefined);
      expect(await codeOf(backend.stat(`${a}/none`))).to.equal('NOT_FOUND');
      expect(await backend.probe(`${a}/f.txt`)).to.deep.include({ parent: 'directory' });
      expect((await backend.probe(`${a}/f.txt`)).entry).to.include({ type: 'file', size: 3 });
      expect(await backend.probe(`${a}/new.txt`)).to.deep.equal({ parent: 'directory', entry: undefined });
      expect(await backend.probe(`${a}/f.txt/x`)).to.deep.equal({ parent: 'file', entry: undefined });
      expect(await backend.probe(`${a}/nowhere/x`)).to.deep.equal({ parent: 'missing', entry: undefined });
      expect((await backend.list(a)).map((e) => e.name).sort()).to.deep.equal(['dir', 'f.txt']);
      expect(await codeOf(backend.list(`${a}/f.txt`))).to.equal('NOT_A_DIRECTORY');
      expect(await codeOf(backend.list(`${a}/none`))).to.equal('NOT_FOUND');
    });

    it('lists a big folder in batches, every entry once, and walks trees parents first', async () => {
      const a = await area();
      await backend.mkdir(`${a}/many`);
      for (let i = 0; i < 600; i++) fs.writeFileSync(onDisk(`${a}/many/f${i}`), `${i}`);
      const batches: string[][] = [];
      for await (const batch of backend.listInBatches(`${a}/many`)) batches.push(batch.map((e) => e.name));
      expect(batches.length).to.be.greaterThan(1);
      expect(batches.every((b) => b.length <= 256)).to.equal(true);
      expect(batches.flat().sort()).to.deep.equal(Array.from({ length: 600 }, (_, i) => `f${i}`).sort());
      await backend.mkdir(`${a}/many/sub`);
      fs.writeFileSync(onDisk(`${a}/many/sub/deep`), 'd');
      const walked: string[] = [];
      for await (const e of backend.walk(a)) walked.push(e.key);
      expect(walked).to.have.length(603);
      expect(walked.indexOf(`${a}/many/sub`)).to.be.lessThan(walked.indexOf(`${a}/many/sub/deep`));
    });

    it('never follows a symlink: not listed, not statable, not readable, nothing below it reachable', async () => {
      const a = await area();
      fs.symlinkSync(outside.dir, onDisk(`${a}/dir-link`));
      fs.symlinkSync(path.join(outside.dir, 'secret.txt'), onDisk(`${a}/file-link`));
      expect((await backend.list(a)).map((e) => e.name)).to.deep.equal([]);
      for (const key of [`${a}/dir-link`, `${a}/file-link`, `${a}/dir-link/secret.txt`]) {
        expect(await codeOf(backend.stat(key)), key).to.equal('NOT_FOUND');
        expect(await codeOf(backend.openRead(key)), key).to.equal('NOT_FOUND');
        expect(await codeOf(backend.openWhole(key, 64)), key).to.equal('NOT_FOUND');
        expect(await codeOf(backend.setMtime(key, 0)), key).to.equal('NOT_FOUND');
      }
      expect(await codeOf(backend.list(`${a}/dir-link`))).to.equal('NOT_FOUND');
      expect((await backend.probe(`${a}/dir-link/x`)).parent).to.equal('missing');
      expect(await codeOf(backend.mkdir(`${a}/dir-link/new`))).to.equal('NOT_FOUND');
      expect(await codeOf(backend.copyToTemp(`${a}/dir-link/secret.txt`))).to.equal('NOT_FOUND');
      expect(fs.readdirSync(outside.dir)).to.deep.equal(['secret.txt']);
    });

    it('hashes a file with MD5 and SHA-1, also an empty one and one of many read chunks', async () => {
      const a = await area();
      const written = await put(`${a}/abc.txt`, 'abc');
      expect(await backend.hashFile(`${a}/abc.txt`)).to.deep.equal({
        md5: '900150983cd24fb0d6963f7d28e17f72',
        sha1: 'a9993e364706816aba3e25717850c26c9cd0d89d',
        stat: written,
        changed: false,
      });
      await put(`${a}/empty`, '');
      expect(await backend.hashFile(`${a}/empty`)).to.include({ md5: 'd41d8cd98f00b204e9800998ecf8427e', sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709', changed: false });
      const big = crypto.randomBytes(3 * 1024 * 1024 + 17);
      await put(`${a}/big`, big);
      const got = await backend.hashFile(`${a}/big`);
      expect(got.md5).to.equal(crypto.createHash('md5').update(big).digest('hex'));
      expect(got.sha1).to.equal(crypto.createHash('sha1').update(big).digest('hex'));
      expect(got.stat.size).to.equal(big.length);
    });

    it('refuses to hash a folder, a symlink, a FIFO or what is missing', async () => {
      const a = await area();
      await backend.mkdir(`${a}/d`);
      fs.symlinkSync(path.join(outside.dir, 'secret.txt'), onDisk(`${a}/file-link`));
      fs.symlinkSync(outside.dir, onDisk(`${a}/dir-link`));
      execFileSync('mkfifo', [onDisk(`${a}/pipe`)]);
      expect(await codeOf(backend.hashFile(`${a}/d`))).to.equal('IS_A_DIRECTORY');
      for (const key of [`${a}/file-link`, `${a}/dir-link/secret.txt`, `${a}/pipe`, `${a}/missing`]) expect(await codeOf(backend.hashFile(key)), key).to.equal('NOT_FOUND');
    });

    it('answers other calls while it hashes a big file', async () => {
      const a = await area();
      await put(`${a}/big`, crypto.randomBytes(16 * 1024 * 1024));
      await put(`${a}/small`, 'small');
      const order: string[] = [];
      const hashing = backend.hashFile(`${a}/big`).then(() => order.push('hash'));
      const probing = backend.probe(`${a}/small`).then(() => order.push('probe'));
      await Promise.all([hashing, probing]);
      expect(order).to.deep.equal(['probe', 'hash']);
    });

    it('refuses a FIFO without waiting for a writer, and leaves it out of listings', async () => {
      const a = await area();
      execFileSync('mkfifo', [onDisk(`${a}/pipe`)]);
      expect(await codeOf(backend.openRead(`${a}/pipe`))).to.equal('NOT_FOUND');
      expect(await codeOf(backend.openWhole(`${a}/pipe`, 64))).to.equal('NOT_FOUND');
      expect(await codeOf(backend.stat(`${a}/pipe`))).to.equal('NOT_FOUND');
      expect(await backend.list(a)).to.deep.equal([]);
    });

    it('makes folders, renames, removes trees (symlinks inside removed, never followed) and sets mtimes', async () => {
      const a = await area();
      expect(await backend.mkdir(`${a}/d`)).to.include({ type: 'directory' });
      expect(await codeOf(backend.mkdir(`${a}/d`))).to.equal('ALREADY_EXISTS');
      expect(await codeOf(backend.mkdir(`${a}/x/y`))).to.equal('NOT_FOUND');
      await put(`${a}/d/f.txt`, 'f');
      fs.symlinkSync(outside.dir, onDisk(`${a}/d/link`));
      await backend.rename(`${a}/d`, `${a}/e`);
      expect(fs.readFileSync(onDisk(`${a}/e/f.txt`), 'utf8')).to.equal('f');
      await put(`${a}/g.txt`, 'g');
      await backend.rename(`${a}/g.txt`, `${a}/e/f.txt`);
      expect(fs.readFileSync(onDisk(`${a}/e/f.txt`), 'utf8')).to.equal('g');
      await backend.setMtime(`${a}/e/f.txt`, 1_600_000_000_000);
      expect((await backend.stat(`${a}/e/f.txt`)).mtimeMs).to.equal(1_600_000_000_000);
      await backend.remove(`${a}/e`);
      expect(fs.existsSync(onDisk(`${a}/e`))).to.equal(false);
      expect(fs.readFileSync(path.join(outside.dir, 'secret.txt'), 'utf8')).to.equal('outside');
      expect(await codeOf(backend.remove(`${a}/e`))).to.equal('NOT_FOUND');
      expect(await codeOf(backend.rename(`${a}/gone`, `${a}/other`))).to.equal('NOT_FOUND');
    });

    it('copies files and trees into temp files that commit into place', async () => {
      const a = await area();
      await backend.mkdir(`${a}/src`);
      await backend.mkdir(`${a}/src/sub`);
      await put(`${a}/src/a.txt`, 'aaa');
      await put(`${a}/src/sub/b.txt`, 'bb');
      const file = await backend.copyToTemp(`${a}/src/a.txt`);
      expect(file.size).to.equal(3);
      await commitTemp(backend, file.tempPath, `${a}/copy.txt`);
      expect(fs.readFileSync(onDisk(`${a}/copy.txt`), 'utf8')).to.equal('aaa');
      expect(await codeOf(backend.copyToTemp(`${a}/src`))).to.equal('IS_A_DIRECTORY');
      const tree = await backend.copyTreeToTemp(`${a}/src`, 'infinity');
      expect(tree.entries.map((e) => e.rel).sort()).to.deep.equal(['/a.txt', '/sub', '/sub/b.txt']);
      await commitTemp(backend, tree.tempPath, `${a}/dst`);
      expect(fs.readFileSync(onDisk(`${a}/dst/sub/b.txt`), 'utf8')).to.equal('bb');
      const shallow = await backend.copyTreeToTemp(`${a}/src`, 0);
      expect(shallow.entries).to.deep.equal([]);
      await commitTemp(backend, shallow.tempPath, `${a}/empty`);
      expect(fs.readdirSync(onDisk(`${a}/empty`))).to.deep.equal([]);
      expect(tempNames()).to.deep.equal(tempsAtStart);
    });

    it('creates missing area roots, and recreates one removed (at once after forgetArea)', async () => {
      const key = `shares/s${areas++}`;
      await backend.ensureArea(key);
      expect(fs.statSync(onDisk(key)).isDirectory()).to.equal(true);
      fs.rmSync(onDisk(key), { recursive: true });
      backend.forgetArea(key);
      await backend.ensureArea(key);
      expect(fs.statSync(onDisk(key)).isDirectory()).to.equal(true);
    });

    it("clears only dead processes' temp files, and discards temp files and folders", async () => {
      fs.writeFileSync(onDisk('.nasd/tmp/dead_1'), 'x');
      fs.mkdirSync(onDisk('.nasd/tmp/dead_2'));
      fs.writeFileSync(onDisk('.nasd/tmp/alive_1'), 'x');
      expect(await backend.clearTemp(async () => new Set(['alive', backend.instanceId]))).to.equal(2);
      expect(tempNames()).to.include('alive_1').and.not.include.members(['dead_1', 'dead_2']);
      await backend.discardTemp(onDisk('.nasd/tmp/alive_1'));
      expect(tempNames()).to.not.include('alive_1');
    });

    it('maps errors to VfsErrors that name the key, never the disk path', async () => {
      const a = await area();
      const err = await backend.stat(`${a}/missing.txt`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(VfsError);
      expect((err as VfsError).message).to.include(`${a}/missing.txt`).and.not.include(backend.root);
      expect((err as VfsError).details).to.deep.include({ storageKey: `${a}/missing.txt` });
      await put(`${a}/f`, 'x');
      expect(await codeOf(backend.mkdir(`${a}/f/sub`))).to.equal('NOT_A_DIRECTORY');
    });

    it('answers the free space and the place of upload parts (validating their ids)', async () => {
      expect(await backend.freeBytes()).to.be.a('number').and.greaterThan(0);
      expect(backend.uploadPartPath('abc_DEF-1')).to.equal(onDisk('.nasd/uploads/abc_DEF-1'));
      for (const bad of ['../x', '', 'a/b', 'x'.repeat(65)]) expect(() => backend.uploadPartPath(bad), bad).to.throw(VfsError);
    });
  });
}
