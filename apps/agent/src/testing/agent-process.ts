import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..');
const mainFile = join(repositoryRoot, 'apps', 'agent', 'src', 'main.ts');

/** The fields of the agent's JSON log lines that tests wait for. */
export type AgentLogEntry = { msg?: string; url?: string; operation?: string };

export type AgentProcess = {
  child: ChildProcess;
  /** Resolves with the agent's URL once it logs that it listens; rejects if it exits first. */
  listening: Promise<string>;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>;
  /** The JSON log lines seen so far, in order (info level: KUDO_AGENT_LOG_LEVEL must not be higher). */
  entries: readonly AgentLogEntry[];
  /** Resolves as soon as the log lines seen satisfy a condition (no sleeping); rejects if the agent exits. */
  waitForLog: (isDone: (entries: readonly AgentLogEntry[]) => boolean) => Promise<void>;
  getStdout: () => string;
  getStderr: () => string;
  /** Sends a signal without waiting (SIGSTOP and SIGCONT: the agent hangs, then goes on). */
  signal: (signal: NodeJS.Signals) => void;
  /** Kills the process and waits for its end; does nothing if it has already ended. */
  kill: (signal?: NodeJS.Signals) => Promise<number | NodeJS.Signals>;
};

/**
 * Runs the real CLI (apps/agent/src/main.ts through tsx's loader) as a child process. `node --import tsx`
 * rather than the `tsx` binary: that binary runs the program in a grandchild, which a SIGKILL of the
 * child would leave running.
 */
export const spawnAgentProcess = ({
  args,
  env = {},
}: {
  args: readonly string[];
  env?: Record<string, string>;
}): AgentProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', mainFile, ...args], {
    cwd: repositoryRoot,
    // PATH and NODE_ENV only: the agent sees no variable of the test's own (NODE_ENV because Next.js's
    // types, which the control plane's tests include, require it in every environment).
    env: { NODE_ENV: process.env.NODE_ENV, PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let partial = '';
  const entries: AgentLogEntry[] = [];
  const waiters: { isDone: (seen: readonly AgentLogEntry[]) => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters])
      if (waiter.isDone(entries)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) entries.push(JSON.parse(line) as AgentLogEntry);
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const waitForLog = (isDone: (seen: readonly AgentLogEntry[]) => boolean) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ isDone, resolve });
      void exited.then((code) => reject(new Error(`agent exited (${code}): ${stderr.slice(-2000)}`)));
      check();
    });
  const findListening = (seen: readonly AgentLogEntry[]) =>
    seen.find((entry) => entry.msg === 'agent listening' && entry.url);
  const listening = waitForLog((seen) => findListening(seen) !== undefined).then(
    () => findListening(entries)?.url ?? '',
    () => Promise.reject(new Error(`agent exited before listening: ${stderr}`)),
  );
  listening.catch(() => undefined);
  return {
    child,
    listening,
    exited,
    entries,
    waitForLog,
    getStdout: () => stdout,
    getStderr: () => stderr,
    signal: (signal) => void child.kill(signal),
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};

/** The CLI acting in a lab node's namespace, on loopback, with its token and boot id in files. */
export const spawnLabAgentProcess = ({
  nodeId,
  namespace,
  port,
  tokenFile,
  bootIdFile,
}: {
  nodeId: string;
  namespace: string;
  port: number;
  tokenFile: string;
  bootIdFile: string;
}) =>
  spawnAgentProcess({
    args: [
      ...['--node-id', nodeId, '--port', String(port), '--token-file', tokenFile],
      ...['--host-namespace', namespace, '--boot-id-file', bootIdFile],
    ],
  });

/** Runs one of the package's example scripts to its end; never throws on a non-zero exit. */
export const runExampleScript = ({ name, args }: { name: string; args: readonly string[] }) =>
  new Promise<{ exitCode: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repositoryRoot, 'apps', 'agent', 'examples', name), ...args],
      { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
