import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One mail as the test SMTP server received it. */
export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
  subject: string;
}

/**
 * A real SMTP server (smtp-server) on a random loopback port that requires AUTH PLAIN/LOGIN with
 * the given credentials (STARTTLS off: loopback only) and keeps every accepted message.
 */
export async function startSmtpServer(credentials: { user: string; pass: string }): Promise<{ port: number; mails: ReceivedMail[]; close(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/m.exec(raw)?.[1].replace(/\r\n[ \t]/g, ' ') ?? '';
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw,
          subject,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface ReceivedRequest {
  at: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A local webhook receiver: records each POST and answers `status()` (200 unless changed). A path
 * given to `hold` is recorded but left unanswered (a hung receiver) until `release` answers it.
 */
export async function startWebhookReceiver(): Promise<{
  url: string;
  requests: ReceivedRequest[];
  setStatus(path: string, status: number): void;
  hold(path: string): void;
  /** How many requests are held unanswered now. */
  held(): number;
  /** Answers every held request with `status` and stops holding. */
  release(status: number): void;
  close(): Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  const statuses = new Map<string, number>();
  const holding = new Set<string>();
  let waiting: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ at: Date.now(), path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (holding.has(req.url ?? '')) {
        waiting.push(res);
        return;
      }
      res.statusCode = statuses.get(req.url ?? '') ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setStatus: (path, status) => statuses.set(path, status),
    hold: (path) => holding.add(path),
    held: () => waiting.filter((r) => !r.writableEnded && !r.destroyed).length,
    release: (status) => {
      holding.clear();
      for (const res of waiting) if (!res.destroyed) res.writeHead(status).end('released');
      waiting = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
