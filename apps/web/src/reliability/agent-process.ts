import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The agent's CLI entry, next to the package's entry (`@kudo/agent` exports its TypeScript source). */
const agentMainFile = join(dirname(createRequire(import.meta.url).resolve('@kudo/agent')), 'main.ts');

type LogEntry = { msg?: string; url?: string; operation?: string };

/**
 * The real agent CLI in its own process (`node --import tsx main.ts`, so a SIGKILL reaches the agent
 * itself, not a wrapper), acting in a lab node's namespace, with this process's environment. Its JSON
 * log lines (info level: KUDO_AGENT_LOG_LEVEL must not be set higher) are kept, and
 * `waitForLog` resolves as soon as they satisfy a condition: no sleeping.
 */
export const spawnAgent = ({
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
}) => {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      agentMainFile,
      ...['--node-id', nodeId, '--port', String(port), '--token-file', tokenFile],
      ...['--host-namespace', namespace, '--boot-id-file', bootIdFile],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const entries: LogEntry[] = [];
  let output = '';
  let partial = '';
  const waiters: { isDone: (entries: readonly LogEntry[]) => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters])
      if (waiter.isDone(entries)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) entries.push(JSON.parse(line) as LogEntry);
    check();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const waitForLog = (isDone: (entries: readonly LogEntry[]) => boolean) =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ isDone, resolve });
      void exited.then((code) => reject(new Error(`agent exited (${code}): ${output.slice(-2000)}`)));
      check();
    });
  const listening = waitForLog((seen) => seen.some((entry) => entry.msg === 'agent listening')).then(
    () => entries.find((entry) => entry.msg === 'agent listening')?.url ?? '',
  );
  return {
    listening,
    exited,
    entries,
    waitForLog,
    getOutput: () => output,
    /** Sends a signal without waiting (SIGSTOP and SIGCONT: the agent hangs, then goes on). */
    signal: (signal: NodeJS.Signals) => child.kill(signal),
    /** Kills the process and waits for its end; does nothing if it has already ended. */
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
};

export type AgentProcess = ReturnType<typeof spawnAgent>;
