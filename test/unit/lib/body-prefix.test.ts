import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { expect } from 'chai';
import { prefixed, readUpTo } from '../../../src/lib/body-prefix.js';

describe('small bodies (readUpTo, prefixed)', () => {
  it('reads a body that ends within the limit', async () => {
    const head = await readUpTo(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 10);
    expect(head.ended).to.equal(true);
    expect(Buffer.concat(head.chunks).toString()).to.equal('abcd');
  });

  it('stops past the limit, and prefixed() gives back every byte in order', async () => {
    const source = new PassThrough();
    const reading = readUpTo(source, 3);
    source.write('ab');
    source.write('cd');
    const head = await reading;
    expect(head.ended).to.equal(false);
    const all = prefixed(head.chunks, source);
    source.end('ef');
    expect((await buffer(all)).toString()).to.equal('abcdef');
  });

  it('fails when the source fails or closes before its end', async () => {
    const failing = new PassThrough();
    const a = readUpTo(failing, 100);
    failing.destroy(new Error('boom'));
    expect(await a.then(() => null, (e: Error) => e.message)).to.equal('boom');
    const closing = new PassThrough();
    const b = readUpTo(closing, 100);
    closing.write('x');
    closing.destroy();
    expect(await b.then(() => null, (e: NodeJS.ErrnoException) => e.code)).to.equal('ECONNRESET');
  });

  it('prefixed() carries a later failure of the source', async () => {
    const source = new PassThrough();
    const all = prefixed([Buffer.from('ab')], source);
    source.destroy(new Error('cut'));
    expect(await buffer(all).then(() => null, (e: Error) => e.message)).to.equal('cut');
  });
});
