import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

export type SpareResult = {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  isTimedOut: boolean;
  error: Error | undefined;
  /** Whether a process started earlier took the command (false: one was started for it). */
  wasWaiting: boolean;
};

type Spare = {
  child: ChildProcess;
  result: Promise<Omit<SpareResult, 'wasWaiting'>>;
  hasEnded: () => boolean;
  markTimedOut: () => void;
};

const setReferenced = ({ child, isReferenced }: { child: ChildProcess; isReferenced: boolean }) => {
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as (
    | ChildProcess
    | Readable
    | Writable
    | null
  )[]) {
    const refable = handle as { ref?: () => void; unref?: () => void } | null;
    if (isReferenced) refable?.ref?.();
    else refable?.unref?.();
  }
};

const startSpare = ({ file, args }: { file: string; args: readonly string[] }): Spare => {
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  let hasEnded = false;
  let isTimedOut = false;
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  child.stdin?.on('error', () => undefined);
  const result = new Promise<Omit<SpareResult, 'wasWaiting'>>((resolve) => {
    const finish = (exitCode: number | null, error: Error | undefined) => {
      hasEnded = true;
      resolve({ stdout: stdout.join(''), stderr: stderr.join(''), exitCode, isTimedOut, error });
    };
    child.on('error', (error) => finish(null, error));
    child.on('close', (code) => finish(code, undefined));
  });
  setReferenced({ child, isReferenced: false });
  return {
    child,
    result,
    hasEnded: () => hasEnded,
    markTimedOut: () => {
      isTimedOut = true;
    },
  };
};

/**
 * Processes started ahead of need, one per command line, for commands that read all their input and
 * then act (`iptables-restore --noflush`: its exit is the only acknowledgement it gives, so it cannot be
 * kept for more than one transaction). A command takes the waiting process, writes its input and closes
 * it, and the next process starts at once, while the kernel works. A process not taken for `lifetimeMs`
 * gets an empty input and ends without doing anything.
 */
export const createSpareProcesses = ({ lifetimeMs = 5000 }: { lifetimeMs?: number } = {}) => {
  const spares = new Map<string, { spare: Spare; timer: NodeJS.Timeout }>();
  let isClosed = false;

  const keep = ({ key, file, args }: { key: string; file: string; args: readonly string[] }) => {
    const spare = startSpare({ file, args });
    const timer = setTimeout(() => {
      if (spares.get(key)?.spare === spare) spares.delete(key);
      spare.child.stdin?.end();
    }, lifetimeMs);
    timer.unref();
    spares.set(key, { spare, timer });
  };

  return {
    run: async ({
      file,
      args,
      input,
      timeoutMs,
    }: {
      file: string;
      args: readonly string[];
      input: string;
      timeoutMs: number;
    }): Promise<SpareResult> => {
      isClosed = false;
      const key = [file, ...args].join('\u0000');
      const waiting = spares.get(key);
      spares.delete(key);
      if (waiting) clearTimeout(waiting.timer);
      const wasWaiting = waiting !== undefined && !waiting.spare.hasEnded();
      const spare = wasWaiting ? waiting.spare : startSpare({ file, args });
      setReferenced({ child: spare.child, isReferenced: true });
      spare.child.stdin?.end(input);
      // Refilled while this one works: a spawn holds the event loop for a millisecond or two.
      setImmediate(() => {
        if (!spares.has(key) && !isClosed) keep({ key, file, args });
      });
      const timer = setTimeout(() => {
        spare.markTimedOut();
        spare.child.kill('SIGKILL');
      }, timeoutMs);
      const result = await spare.result;
      clearTimeout(timer);
      return { ...result, wasWaiting };
    },
    close: () => {
      isClosed = true;
      for (const { spare, timer } of spares.values()) {
        clearTimeout(timer);
        spare.child.stdin?.end();
      }
      spares.clear();
    },
  };
};

export type SpareProcesses = ReturnType<typeof createSpareProcesses>;
