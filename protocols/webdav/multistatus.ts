import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** `HTTP/1.1 404 Not Found`, as used in DAV:status. */
export function statusLine(status: number): string {
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`;
}

/** Thrown when the client went away while a streamed body was being written. */
export class ClientGoneError extends Error {
  readonly code = 'ECONNABORTED';
  constructor() {
    super('client closed the connection');
  }
}

const HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">';

/**
 * Streams a 207 Multi-Status body: callers add one `<D:response>` string at a time and the
 * writer sends them in chunks of about `chunkBytes`, waiting for the socket to drain before
 * producing more. The whole body is never held in memory, and after every chunk the writer gives
 * the event loop a turn, so a fast reader of a large multistatus cannot keep other requests waiting.
 */
export class MultistatusWriter {
  private buf = '';
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly chunkBytes = 64 * 1024,
  ) {}

  /** Appends one response element; resolves once it may be followed by more. */
  async add(responseXml: string): Promise<void> {
    if (!this.started) this.start();
    this.buf += responseXml;
    if (this.buf.length >= this.chunkBytes) await this.flush();
  }

  /** Closes the multistatus element and ends the response. */
  end(): void {
    if (!this.started) this.start();
    this.res.end(`${this.buf}</D:multistatus>\n`);
    this.buf = '';
  }

  private start(): void {
    this.started = true;
    this.res.statusCode = 207;
    this.res.setHeader('Content-Type', 'application/xml; charset=utf-8');
    this.buf = HEAD;
  }

  private async flush(): Promise<void> {
    const res = this.res;
    if (res.destroyed) throw new ClientGoneError();
    const chunk = this.buf;
    this.buf = '';
    // A turn of the event loop after every chunk: even 'drain' can come without one (Node emits it
    // on the next tick when the socket took the write at once), and other requests must get their share.
    if (res.write(chunk)) return nextTurn();
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        res.off('drain', onDrain);
        res.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onClose = () => done(new ClientGoneError());
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
    await nextTurn();
  }
}

/** One `<D:response>` with an href and propstat groups (each `props` is already XML). */
export function responseXml(href: string, propstats: Array<{ status: number; props: string }>): string {
  let s = `<D:response><D:href>${href}</D:href>`;
  for (const p of propstats) s += `<D:propstat><D:prop>${p.props}</D:prop><D:status>${statusLine(p.status)}</D:status></D:propstat>`;
  return `${s}</D:response>`;
}
