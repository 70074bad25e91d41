import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { findFreePort, waitUntilAnswering } from '@kudo/web/scripting';
import { childEnv } from './env.js';

/** A free TCP port on loopback (the control plane's own, shared with its launcher). */
export { findFreePort };

const waitForExit = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/**
 * Runs the built dashboard (`next start`) as a child process on `host:port` with the control plane's
 * environment; its output goes to `logFile`. `stop()` ends it (SIGTERM, then SIGKILL).
 */
export const startWebServer = async ({
  root,
  host,
  port,
  env,
  logFile,
}: {
  root: string;
  host: string;
  port: number;
  env: Record<string, string>;
  logFile: string;
}) => {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    process.execPath,
    [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-H', host, '-p', String(port)],
    {
      cwd: join(root, 'apps', 'web'),
      env: childEnv({ NODE_ENV: 'production', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await waitForExit(child);
      clearTimeout(timer);
    }
    log.end();
  };
  try {
    await waitUntilAnswering({ url: `${url}/sign-in`, child, timeoutMs: 60_000 });
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)} (see ${logFile})`);
  }
  return { url, pid: child.pid, stop };
};

export type WebServer = Awaited<ReturnType<typeof startWebServer>>;
