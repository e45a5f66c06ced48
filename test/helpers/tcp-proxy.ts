import net from 'node:net';

/** A loopback TCP proxy a test controls: forward, refuse (connections cut, new ones closed at once) or stall (accepted, never answered). */
export interface TcpProxy {
  port: number;
  mode: 'forward' | 'refuse' | 'stall';
  /** Ends every connection open now (the next ones follow `mode`). */
  cutAll(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `target`, forwarding until told otherwise. */
export function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const proxy: TcpProxy = {
    port: 0,
    mode: 'forward',
    cutAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        proxy.cutAll();
        server.close(() => resolve());
      }),
  };
  const server = net.createServer((client) => {
    track(client);
    if (proxy.mode === 'refuse') return void client.destroy();
    if (proxy.mode === 'stall') return;
    const upstream = net.connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      proxy.port = (server.address() as net.AddressInfo).port;
      resolve(proxy);
    }),
  );
}
