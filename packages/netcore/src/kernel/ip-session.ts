import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/**
 * A long-lived `ip -force -batch -` process. Spawning a process costs 1-2 ms, so commands for a node's own
 * namespace go to one process that stays up while there is work. After each group of lines a sentinel
 * that always fails (`link show dev kudoack`) is written: its `Command failed -:N` on stderr acknowledges
 * the group, and the errors of the group's own lines arrive before it on the same stream.
 */
export type IpSession = {
  run: (lines: readonly string[]) => Promise<{ errors: string[] }>;
  close: () => void;
  /** Whether its process is up (started and not ended). */
  isUp: () => boolean;
};

/**
 * A running `ip -force -batch -`: its input, its error stream, what keeps Node's event loop alive for
 * it, and a way to learn that it ended (spawned here, or started by someone else and reached by FIFOs).
 */
export type IpProcess = {
  stdin: Writable;
  stderr: Readable;
  handles: readonly unknown[];
  onEnd: (listener: (detail: string) => void) => void;
};

/** `ip ARGS -force -batch -` spawned from Node. */
const spawnIp = (args: readonly string[]): IpProcess => {
  const child = spawn('ip', [...args, '-force', '-batch', '-'], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  const stdin = child.stdin as Writable;
  const stderr = child.stderr as Readable;
  return {
    stdin,
    stderr,
    handles: [child, stdin, stderr],
    onEnd: (listener) => {
      child.on('error', (error) => listener(String(error)));
      child.on('exit', (code) => listener(`exited (${code})`));
    },
  };
};

type Pending = {
  firstLine: number;
  ackLine: number;
  errors: string[];
  resolve: (result: { errors: string[] }) => void;
  reject: (error: Error) => void;
};

const sentinel = 'link show dev kudoack';

export const createIpSession = ({
  args,
  idleMs = 1000,
  connect = () => spawnIp(args),
}: {
  /** Arguments of `ip` before `-force -batch -` (e.g. `-n NS`). */
  args: readonly string[];
  /** How long the process stays up after its last batch. */
  idleMs?: number;
  /** Where a batch goes when no process is up: by default a new `ip` spawned from Node. */
  connect?: () => IpProcess;
}): IpSession => {
  let child: IpProcess | undefined;
  let lineCount = 0;
  let pending: Pending[] = [];
  let message: string[] = [];
  let buffer = '';
  let idleTimer: NodeJS.Timeout | undefined;

  const setReferenced = (isReferenced: boolean) => {
    for (const handle of child?.handles ?? []) {
      const refable = handle as { ref?: () => void; unref?: () => void } | undefined;
      if (isReferenced) refable?.ref?.();
      else refable?.unref?.();
    }
  };

  const failAll = (error: Error) => {
    const failed = pending;
    pending = [];
    child = undefined;
    for (const entry of failed) entry.reject(error);
  };

  const onLine = (line: string) => {
    const match = /^Command failed -:(\d+)$/.exec(line);
    if (!match) {
      message.push(line);
      return;
    }
    const failedLine = Number(match[1]);
    const text = message.join(' ').trim();
    message = [];
    const [current] = pending;
    if (!current) return;
    if (failedLine === current.ackLine) {
      pending.shift();
      current.resolve({ errors: current.errors });
      if (pending.length === 0) scheduleIdle();
    } else if (failedLine >= current.firstLine)
      current.errors.push(`line ${failedLine - current.firstLine + 1}: ${text}`);
  };

  const start = () => {
    lineCount = 0;
    message = [];
    buffer = '';
    const batch = connect();
    batch.stderr.setEncoding('utf8');
    batch.stderr.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    batch.onEnd((detail) => {
      if (child !== batch) return;
      // What it printed last (not yet followed by a `Command failed` line) tells why it ended.
      const last = [...message, buffer].join(' ').trim();
      failAll(new Error(`ip ${args.join(' ')} -batch ${detail} with work pending${last ? `: ${last}` : ''}`));
    });
    batch.stdin.on('error', () => undefined);
    child = batch;
    return batch;
  };

  function scheduleIdle() {
    clearTimeout(idleTimer);
    setReferenced(false);
    idleTimer = setTimeout(close, idleMs);
    idleTimer.unref();
  }

  function close() {
    clearTimeout(idleTimer);
    const current = child;
    child = undefined;
    current?.stdin?.end();
  }

  return {
    run: (lines) =>
      new Promise((resolve, reject) => {
        clearTimeout(idleTimer);
        const batch = child ?? start();
        setReferenced(true);
        const firstLine = lineCount + 1;
        lineCount += lines.length + 1;
        pending.push({ firstLine, ackLine: lineCount, errors: [], resolve, reject });
        batch.stdin.write(`${[...lines, sentinel].join('\n')}\n`);
      }),
    close,
    isUp: () => child !== undefined,
  };
};
