import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..');
const mainFile = join(repositoryRoot, 'apps', 'agent', 'src', 'main.ts');

export type AgentProcess = {
  child: ChildProcess;
  /** Resolves with the agent's URL once it logs that it listens; rejects if it exits first. */
  listening: Promise<string>;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>;
  getStdout: () => string;
  getStderr: () => string;
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
}) => {
  const child = spawn(process.execPath, ['--import', 'tsx', mainFile, ...args], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const listening = new Promise<string>((resolve, reject) => {
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'agent listening' && entry.url) resolve(entry.url);
      }
    });
    void exited.then((code) => reject(new Error(`agent exited (${code}) before listening: ${stderr}`)));
  });
  listening.catch(() => undefined);
  return {
    child,
    listening,
    exited,
    getStdout: () => stdout,
    getStderr: () => stderr,
  } satisfies AgentProcess;
};

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
