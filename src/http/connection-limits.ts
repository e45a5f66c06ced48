import type net from 'node:net';

/** Caps on open connections; 0 turns a cap off. */
export interface ConnectionCaps {
  /** Open connections in all. */
  total: number;
  /** Open connections from one remote address. */
  perAddress: number;
}

const REFUSAL_BODY = 'too many connections: try again shortly\n';
const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}\r\n\r\n${REFUSAL_BODY}`;

/**
 * Counts open connections in all and per remote address. A connection past a cap is answered
 * `503 Service Unavailable` with `Retry-After` (RFC 9110 §15.6.4) straight on the socket and
 * closed at once; nothing it sends is served. Refusing early keeps nasd below its file-descriptor limit,
 * so a flood of idle or half-sent connections cannot starve the rest of the process.
 */
export class ConnectionLimiter {
  private open = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly refused = new WeakSet<net.Socket>();
  private refusedCount = 0;

  constructor(private readonly caps: ConnectionCaps) {}

  /** Admits or refuses a new socket; call from the server's `connection` event. */
  admit(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '';
    const fromAddress = this.byAddress.get(address) ?? 0;
    if ((this.caps.total > 0 && this.open >= this.caps.total) || (this.caps.perAddress > 0 && fromAddress >= this.caps.perAddress)) {
      this.refuse(socket);
      return;
    }
    this.open++;
    this.byAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      this.open--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    });
  }

  /** Whether a socket was refused (its requests must not be served). */
  isRefused(socket: net.Socket): boolean {
    return this.refused.has(socket);
  }

  /** Open admitted connections, and connections refused since start. */
  get stats(): { open: number; refused: number } {
    return { open: this.open, refused: this.refusedCount };
  }

  private refuse(socket: net.Socket): void {
    this.refused.add(socket);
    this.refusedCount++;
    socket.on('error', () => {});
    // Closed as soon as the answer is handed to the kernel: under a flood the descriptor matters more than the courtesy.
    socket.end(REFUSAL, () => socket.destroy());
  }
}
