import { chmod, lstat, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Logger } from 'pino';
import { cniExecPath, cniIpHelperPath, handleCniExec, isPid, readExecEnvironment } from './cni-exec.js';
import type { CniService } from './cni-service.js';
import { cniSocketRouter } from './cni-socket-router.js';

export const defaultCniSocket = '/run/kudo/agent.sock';
export const cniTrpcBasePath = '/trpc/';

/** Removes a socket left by an agent that did not stop cleanly; anything else at that path is refused. */
const removeStaleSocket = async (path: string) => {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket: refusing to replace it`);
  await rm(path);
};

/**
 * Serves the CNI router, and POST /exec for the native `kudo` plugin (cni-exec.ts), on a unix socket that
 * only root can open: its directory is made 0700 when the agent creates it, the socket is 0600. Trust is the file's permissions (the plugin runs as root, called
 * by the runtime); nothing else is served there, and the CNI router is served nowhere else.
 */
export const listenCniSocket = async ({
  path,
  cni,
  logger,
}: {
  path: string;
  cni: CniService;
  logger: Logger;
}) => {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await removeStaleSocket(path);
  const handler = createHTTPHandler({
    router: cniSocketRouter,
    basePath: cniTrpcBasePath,
    createContext: () => ({ cni }),
    onError: ({ error, path: procedure }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR' && !error.cause)
        logger.error({ procedure, error: error.message }, 'CNI procedure failed unexpectedly');
    },
  });
  const server = createServer((req, res) => {
    if (req.url === cniExecPath) {
      handleCniExec({ req, res, cni, ipHelpers: cni.ipHelpers }).catch((error: unknown) => {
        logger.error({ error: error instanceof Error ? error.message : String(error) }, 'CNI exec failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    if (!req.url?.startsWith(cniTrpcBasePath)) {
      res.writeHead(404).end();
      return;
    }
    handler(req, res);
  });
  // A forwarder's child lending its `ip` in a container's namespace (cni-ip-helpers.ts); anything else is closed.
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    const pid = Number(req.headers['kudo-ip-helper']);
    const forwarderPid = Number(req.headers['kudo-forwarder']);
    const netnsPath = readExecEnvironment(req.headers).CNI_NETNS;
    if (req.url !== cniIpHelperPath || !isPid(pid) || !isPid(forwarderPid) || !netnsPath) {
      socket.destroy();
      return;
    }
    cni.ipHelpers.accept({ socket, pid, forwarderPid, netnsPath });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  await chmod(path, 0o600);
  logger.info({ socket: path }, 'CNI socket listening');
  return {
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
};
