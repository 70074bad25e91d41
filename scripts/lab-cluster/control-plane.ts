import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { ControlPlaneHostInput } from './control-plane-host.js';
import { childEnv } from './env.js';
import { startSocketPipe } from './socket-pipe.js';

/** The port of the control plane's HTTPS front on the underlay: where `join --server` points. */
export const labControlPlanePort = 3443;

const ZReady = z.object({ isReady: z.literal(true), caHash: z.string() });

const waitForExit = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/** Resolves with the host's ready line, rejects when it exits first (its reason is in the log). */
const waitForReady = ({ child, logFile }: { child: ChildProcess; logFile: string }) =>
  new Promise<z.output<typeof ZReady>>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{"isReady"'));
      if (line) resolve(ZReady.parse(JSON.parse(line)));
    });
    child.once('exit', async (code, signal) => {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      reject(
        new Error(
          `the control plane exited (${code ?? signal}) before answering:\n${log.split('\n').slice(-20).join('\n')}`,
        ),
      );
    });
  });

/**
 * The control plane on its own machine of the lab: started inside `namespace` (nsenter, as a long-lived
 * process), its HTTPS front on `ipAddr:3443` of the underlay, and reached from this machine's browser at
 * `http://host:port` through a loopback listener piped to its unix socket in `dataDir`. `stop()` ends it
 * and removes the socket.
 */
export const startLabControlPlane = async ({
  root,
  machine,
  dataDir,
  host,
  port,
  webEnv,
}: {
  root: string;
  machine: { namespace: string; ipAddr: string };
  dataDir: string;
  host: string;
  port: number;
  webEnv: Record<string, string>;
}) => {
  const logFile = join(dataDir, 'web.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const socketPath = join(dataDir, 'web.sock');
  const input: ControlPlaneHostInput = {
    root,
    dataDir,
    logFile,
    tls: { host: machine.ipAddr, port: labControlPlanePort },
    socketPath,
    webEnv,
  };
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${machine.namespace}`,
      '--',
      process.execPath,
      '--import',
      'tsx',
      join(import.meta.dirname, 'control-plane-host.ts'),
    ],
    { cwd: root, env: childEnv({}), stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stderr?.pipe(log, { end: false });
  child.stdin?.end(JSON.stringify(input));
  const stopHost = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await waitForExit(child);
      clearTimeout(timer);
    }
    log.end();
  };
  let ready: z.output<typeof ZReady>;
  try {
    ready = await waitForReady({ child, logFile });
  } catch (error) {
    await stopHost();
    throw error;
  }
  const bridge = await startSocketPipe({ listen: { host, port }, target: { path: socketPath } }).catch(
    async (error: unknown) => {
      await stopHost();
      throw error;
    },
  );
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    /** What `join --server` is given: the control plane as the nodes reach it, over the underlay. */
    server: `https://${machine.ipAddr}:${labControlPlanePort}`,
    caHash: ready.caHash,
    pid: child.pid,
    logFile,
    stop: async () => {
      await bridge.close();
      await stopHost();
    },
  };
};

export type LabControlPlane = Awaited<ReturnType<typeof startLabControlPlane>>;
