import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { sendFile } from '../../../src/vfs/backends/send-file.js';
import { makeTmpDir } from '../../helpers/tmp.js';

/** A Writable that keeps what it is given, taking each chunk on a later turn (like a slow socket). */
function collector(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => void setImmediate(() => (chunks.push(Buffer.from(chunk)), done())) });
  return { out, bytes: () => Buffer.concat(chunks) };
}

/** Whether the descriptor behind a FileHandle is closed (its fd is -1 once closed). */
const isClosed = (handle: fsp.FileHandle) => handle.fd === -1;

describe('sendFile (reused buffers)', () => {
  const tmp = makeTmpDir('nasd-send-file-');
  const dir = tmp.dir;
  after(() => tmp.remove());

  it('sends every byte of a file larger than its buffers, ends the output and closes the file', async () => {
    const file = path.join(dir, 'big');
    const data = crypto.randomBytes(5 * 1024 * 1024 + 3);
    fs.writeFileSync(file, data);
    const handle = await fsp.open(file);
    const { out, bytes } = collector();
    await sendFile(handle, data.length, out);
    expect(bytes().equals(data)).to.equal(true);
    expect(out.writableFinished).to.equal(true);
    expect(isClosed(handle)).to.equal(true);
  });

  it('stops with an error and closes the file when the output closes early', async () => {
    const file = path.join(dir, 'cut');
    fs.writeFileSync(file, crypto.randomBytes(8 * 1024 * 1024));
    const handle = await fsp.open(file);
    let taken = 0;
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        taken += chunk.length;
        if (taken > 1024 * 1024) this.destroy();
        else setImmediate(done);
      },
    });
    const err = await sendFile(handle, 8 * 1024 * 1024, out).then(() => null, (e: NodeJS.ErrnoException) => e);
    expect(err?.code).to.equal('ERR_STREAM_PREMATURE_CLOSE');
    expect(isClosed(handle)).to.equal(true);
  });

  it('stops with an error when the file is shorter than announced', async () => {
    const file = path.join(dir, 'short');
    fs.writeFileSync(file, Buffer.alloc(1000, 1));
    const handle = await fsp.open(file);
    const { out } = collector();
    const err = await sendFile(handle, 2000, out).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/shrank/);
    expect(isClosed(handle)).to.equal(true);
  });
});
