import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A free TCP port on loopback: where the dashboard listens behind the TLS front. */
export const findFreePort = async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || !address) throw new Error('no free port on 127.0.0.1');
  return address.port;
};

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves when `url` answers (any status below 500); rejects when the server exits first or after `timeoutMs`. */
export const waitUntilAnswering = async ({
  url,
  child,
  timeoutMs,
}: {
  url: string;
  child: ChildProcess;
  timeoutMs: number;
}) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child))
      throw new Error(`the dashboard exited with ${child.exitCode ?? child.signalCode} before answering`);
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`the dashboard did not answer at ${url} within ${timeoutMs / 1000} s`);
};

/**
 * Runs the standalone Next.js server (`apps/web/server.js` of the package) on `host:port` with `env`, its
 * output on ours (the journal under systemd). `ready` resolves once it answers (and rejects when it ends
 * or does not answer within `timeoutMs`), `exited` with its exit code whenever it ends; `stop()` ends it
 * with SIGTERM (SIGKILL after `graceMs`).
 */
export const startNextServer = ({
  serverFile,
  host,
  port,
  env,
  timeoutMs = 120_000,
  graceMs = 20_000,
}: {
  serverFile: string;
  host: string;
  port: number;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  graceMs?: number;
}) => {
  const child = spawn(process.execPath, [serverFile], {
    env: { ...env, HOSTNAME: host, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal === 'SIGTERM' ? 0 : 1)));
  });
  const stop = async () => {
    if (!hasExited(child)) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ready = waitUntilAnswering({ url: `${url}/sign-in`, child, timeoutMs });
  return { url, ready, exited, stop };
};
