import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';

/** A TCP address or a unix socket path: what a pipe listens on, and what it connects each client to. */
export type SocketAddress = { host: string; port: number } | { path: string };

const describe = (address: SocketAddress) =>
  'path' in address ? address.path : `${address.host}:${address.port}`;

/**
 * Listens on `listen` and pipes each connection, bytes unchanged, to a new connection to `target`. This is
 * how the lab's dashboard reaches the browser: the control plane, in its own namespace, serves a unix
 * socket in the data directory (a file: every namespace of the machine sees it), and a loopback listener of
 * the machine pipes to it. Nothing is linked into the machine's namespace; a socket on 127.0.0.1 is not a
 * change to it. `close()` stops listening, ends open connections and removes a unix socket's file.
 */
export const startSocketPipe = async ({
  listen,
  target,
}: {
  listen: SocketAddress;
  target: SocketAddress;
}) => {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect('path' in target ? { path: target.path } : target);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
    };
    open.add(client);
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream).pipe(client);
  });
  // A unix socket's file left by a killed process would make listen fail with EADDRINUSE.
  if ('path' in listen) await rm(listen.path, { force: true });
  server.listen('path' in listen ? { path: listen.path } : listen);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw new Error(`cannot listen on ${describe(listen)}: ${(error as Error).message}`);
    }),
  ]);
  return {
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if ('path' in listen) await rm(listen.path, { force: true });
    },
  };
};
