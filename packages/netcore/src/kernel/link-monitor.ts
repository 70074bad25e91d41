import { type ChildProcess, spawn } from 'node:child_process';
import { namespacePath } from './command.js';

/**
 * A long-lived `ip monitor link` in one namespace, telling when the kernel has deleted a link. The kernel
 * sends RTM_DELLINK once the link is unlisted (its name is free, nothing of it can be reached), then
 * holds the deleting process for an RCU barrier while it frees the device: 10-25 ms here, for nothing the
 * caller can observe. Waiting for the message instead of the process saves that wait.
 */
export type LinkMonitor = {
  /** Resolves when a link of that name is reported deleted after this call; `cancel` stops waiting. */
  waitForDeletion: (name: string) => { deleted: Promise<void>; cancel: () => void };
  /** Starts listening now, so that a deletion soon after is reported (a monitor started with it may miss it). */
  prepare: () => void;
  close: () => void;
};

/** The name in `Deleted 12: veth0@if3: <...>` (or without the index, as some versions print it). */
export const parseDeletedLink = (line: string) => /^Deleted (?:\d+: )?([^:@\s]+)[@:]/.exec(line)?.[1];

export const createLinkMonitor = ({
  namespace,
  idleMs,
}: {
  /** The named namespace it watches; none: the runner's own. */
  namespace: string | undefined;
  /** How long it stays up with nobody waiting. */
  idleMs: number;
}): LinkMonitor => {
  let child: ChildProcess | undefined;
  let buffer = '';
  let idleTimer: NodeJS.Timeout | undefined;
  const waiters = new Map<string, Set<() => void>>();

  /** Referenced only while someone waits, so an idle monitor never keeps Node running. */
  const setReferenced = (isReferenced: boolean) => {
    for (const handle of [child, child?.stdout]) {
      const refable = handle as { ref?: () => void; unref?: () => void } | undefined | null;
      if (isReferenced) refable?.ref?.();
      else refable?.unref?.();
    }
  };

  const close = () => {
    clearTimeout(idleTimer);
    child?.kill();
    child = undefined;
  };

  const scheduleIdle = () => {
    clearTimeout(idleTimer);
    if (waiters.size > 0) return;
    setReferenced(false);
    idleTimer = setTimeout(close, idleMs);
    idleTimer.unref();
  };

  const onLine = (line: string) => {
    const name = parseDeletedLink(line);
    if (name === undefined) return;
    const waiting = waiters.get(name);
    waiters.delete(name);
    for (const resolve of waiting ?? []) resolve();
    scheduleIdle();
  };

  const start = () => {
    // `nsenter --net` enters without copying the mount table (as `ip -n` would). It reads nothing, so no
    // end of input tells it that Node is gone: `setpriv --pdeathsig` ends it with its parent, or it would
    // outlive it and keep its namespace alive after `ip netns del`.
    const entered = namespace === undefined ? [] : ['nsenter', `--net=${namespacePath(namespace)}`, '--'];
    const monitor = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...entered, 'ip', 'monitor', 'link'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    monitor.stdout?.setEncoding('utf8');
    monitor.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    // A monitor that failed or ended only loses the shortcut: callers still get their command's answer.
    monitor.on('error', () => undefined);
    monitor.on('exit', () => {
      if (child === monitor) child = undefined;
    });
    child = monitor;
  };

  return {
    waitForDeletion: (name) => {
      clearTimeout(idleTimer);
      if (!child) start();
      setReferenced(true);
      let resolveDeleted: () => void = () => undefined;
      const deleted = new Promise<void>((resolve) => {
        resolveDeleted = resolve;
      });
      const waiting = waiters.get(name) ?? new Set();
      waiting.add(resolveDeleted);
      waiters.set(name, waiting);
      return {
        deleted,
        cancel: () => {
          waiting.delete(resolveDeleted);
          if (waiting.size === 0 && waiters.get(name) === waiting) waiters.delete(name);
          scheduleIdle();
        },
      };
    },
    prepare: () => {
      if (!child) start();
      scheduleIdle();
    },
    close,
  };
};
