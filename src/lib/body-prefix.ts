import { PassThrough, type Readable } from 'node:stream';

/**
 * Reads `source` until it ends or more than `limit` bytes came. When it ended, `chunks` is the
 * whole body; otherwise the source is paused with the bytes read so far in `chunks` (hand both
 * to `prefixed` to go on streaming). A source that closes or fails before its end rejects.
 */
export function readUpTo(source: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const settle = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      source.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes <= limit) return;
      source.pause();
      settle();
      resolve({ chunks, ended: false });
    };
    const onEnd = () => {
      settle();
      resolve({ chunks, ended: true });
    };
    const onError = (err: Error) => {
      settle();
      reject(err);
    };
    const onClose = () => {
      settle();
      reject(Object.assign(new Error('the client went away'), { code: 'ECONNRESET' }));
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    source.once('close', onClose);
  });
}

/** A stream of `head` followed by the rest of `source` (errors and an early close carried over). */
export function prefixed(head: Buffer[], source: Readable): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  for (const chunk of head) out.write(chunk);
  source.on('error', (err) => out.destroy(err));
  source.on('close', () => {
    if (!source.readableEnded) out.destroy(Object.assign(new Error('the client went away'), { code: 'ECONNRESET' }));
  });
  source.pipe(out);
  return out;
}
