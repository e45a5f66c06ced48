import type { Readable, Writable } from 'node:stream';

/**
 * Feeds a client's request body into `sink` with pipe(), not pipeline(): a failure on the write side
 * (quota, full disk) must not destroy the request with the raw error, so the caller can answer
 * with its classified error while the rest of the body is drained. A client error or a connection
 * that closes before the end destroys `sink`, which fails the caller's write.
 */
export function feedFromClient(source: Readable, sink: Writable): { abandon(): void; detach(): void } {
  const onError = (err: Error) => sink.destroy(err);
  const onClose = () => {
    if (!source.readableEnded) sink.destroy(Object.assign(new Error('the client went away'), { code: 'ECONNRESET' }));
  };
  source.on('error', onError);
  source.on('close', onClose);
  source.pipe(sink);
  return {
    /** After a failure: stop feeding and drain what the client still sends, so it reads the answer. */
    abandon() {
      source.unpipe(sink);
      if (!source.destroyed) source.resume();
    },
    /** Removes the listeners (always, once the write settled). */
    detach() {
      source.off('error', onError);
      source.off('close', onClose);
    },
  };
}
