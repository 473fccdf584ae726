// Loopback networking for tests: free ports, a listening app's URL, a cuttable TCP proxy.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { App } from '../service.ts';

/** Listens on a free loopback port and returns the base URL (`http://127.0.0.1:PORT`). */
export async function listenOnFreePort(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('app is not listening on TCP');
  return `http://127.0.0.1:${address.port}`;
}

export interface TcpProxy {
  /** host:port of the proxy's listening side. */
  address: string;
  /** Rewrites a URL's host and port to go through the proxy. */
  via(url: string): string;
  /** Drops every open connection and refuses new ones: the dependency "goes down". */
  cut(): Promise<void>;
  /**
   * Drops every open connection and closes each new one as soon as it is accepted, counting them
   * (`rejected`): the dependency is away, and a test can wait until its clients tried N times.
   */
  reject(): Promise<void>;
  /** Connections closed unanswered since reject(). */
  readonly rejected: number;
  /** Accepts connections again: the dependency "comes back". */
  restore(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_PORTS: Record<string, number> = { 'postgres:': 5432, 'postgresql:': 5432, 'redis:': 6379, 'http:': 80, 'https:': 443 };

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol];
  if (port === undefined) throw new Error(`${url}: no port, and none known for ${parsed.protocol}`);
  return { host: parsed.hostname, port };
}

/**
 * A loopback TCP forwarder in front of a real server (PostgreSQL, Redis...), so a test can make
 * the dependency unreachable and bring it back without stopping the shared server. `target` is
 * host and port, or the server's URL (`postgres://...`, `redis://...`, `http://...`).
 */
export async function startTcpProxy(target: { host: string; port: number } | string): Promise<TcpProxy> {
  const { host, port: targetPort } = typeof target === 'string' ? hostAndPort(target) : target;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  let rejecting = false;
  let rejected = 0;
  const server = createServer((client) => {
    if (rejecting) {
      rejected++;
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, host);
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const stopListening = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  const port = await listen(0);
  return {
    address: `127.0.0.1:${port}`,
    via(url) {
      const rewritten = new URL(url);
      rewritten.hostname = '127.0.0.1';
      rewritten.port = String(port);
      return rewritten.toString();
    },
    async cut() {
      const closed = stopListening();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    async reject() {
      rejecting = true;
      rejected = 0;
      for (const socket of sockets) socket.destroy();
      if (!server.listening) await listen(port);
    },
    get rejected() {
      return rejected;
    },
    async restore() {
      if (rejecting) rejecting = false;
      if (!server.listening) await listen(port);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await stopListening();
    },
  };
}

/** A TCP port free on loopback right now (for a process or container told which port to use). */
export const freeTcpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
