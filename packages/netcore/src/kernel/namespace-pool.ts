import { closeSync, constants, open, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { promisify } from 'node:util';
import type { createExecSessions } from './exec-sessions.js';
import { createFifoStock, type FifoPair } from './fifo-stock.js';
import { createIpSession, type IpSession } from './ip-session.js';

/**
 * Instance namespaces made ahead of need. Making a namespace and starting `ip` inside it cost a setup
 * several milliseconds (the kernel's namespace creation waits behind other namespaces being dismantled,
 * and a process start costs 2-4 ms here). So a few `ip -force -batch -` wait already, each in a fresh
 * ANONYMOUS network namespace of its own (`unshare --net -- ip ...`, started in the background by a
 * long-lived command starter, never by Node, whose event loop a spawn would block). A setup names one
 * with `ip netns attach NAME PID` and writes its batch to the waiting `ip`, which then ends. A waiting
 * `ip` is reached through two FIFOs whose files are removed once both ends are open: when Node goes
 * away, its end closes, the `ip` reads the end of its input and exits, and its namespace, held by nothing
 * else, vanishes. Nothing is named or left to clean.
 */
export type WaitingIp = {
  pid: number;
  session: IpSession;
  /** `/proc/PID/ns/net` as read when it was ready (`net:[INODE]`). */
  namespaceId: string;
};

type Starters = Pick<ReturnType<typeof createExecSessions>, 'runWords' | 'startInBackground'>;

const openFile = promisify(open);

const readNamespaceId = (pid: number | 'self') => {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`);
  } catch {
    return undefined;
  }
};

const readCommandName = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Whether a waiting `ip` is still the one that was made ready (up, same process, same namespace). */
export const isStillWaiting = (waiting: WaitingIp) =>
  waiting.session.isUp() && readNamespaceId(waiting.pid) === waiting.namespaceId;

/** The process's two FIFO ends as the streams an `ip` session writes to and reads from. */
const toIpProcess = ({ inputFd, errorsFd }: { inputFd: number; errorsFd: number }) => {
  const stdin = new Socket({ fd: inputFd, readable: false, writable: true });
  const stderr = new Socket({ fd: errorsFd, readable: true, writable: false });
  let isConnected = false;
  return () => {
    // One process, one session: once it has ended, nothing can bring it back.
    if (isConnected) throw new Error('the waiting ip has ended');
    isConnected = true;
    return {
      stdin,
      stderr,
      handles: [stdin, stderr],
      onEnd: (listener: (detail: string) => void) => {
        stderr.on('error', () => undefined);
        stderr.on('close', () => listener('ended'));
      },
    };
  };
};

/**
 * Starts one waiting `ip` in a fresh anonymous namespace: the FIFOs are made (by a starter), their ends
 * opened here (each open waits, off the event loop, for the other end, opened by the started process),
 * the process started, and its first batch (loopback up) answered. Undefined when anything failed.
 */
const startWaitingIp = async ({
  starters,
  fifos,
  idleMs,
}: {
  starters: Starters;
  fifos: ReturnType<typeof createFifoStock>;
  idleMs: number;
}): Promise<WaitingIp | undefined> => {
  let pair: FifoPair | undefined;
  try {
    pair = await fifos.take();
    const { stdinPath, stderrPath } = pair;
    const opening = Promise.all([
      openFile(stdinPath, constants.O_WRONLY),
      openFile(stderrPath, constants.O_RDONLY),
    ]);
    const pid = await starters
      .startInBackground({
        words: ['unshare', '--net', '--', 'ip', '-force', '-batch', '-'],
        stdinPath,
        stderrPath,
      })
      .catch(() => undefined);
    if (pid === undefined) {
      // Nobody will open the other ends: open them here so that the waiting opens return, then close all.
      const unblocking = [
        openSync(stdinPath, constants.O_RDONLY | constants.O_NONBLOCK),
        openSync(stderrPath, constants.O_WRONLY | constants.O_NONBLOCK),
      ];
      for (const fd of [...unblocking, ...(await opening)]) closeSync(fd);
      return undefined;
    }
    const [inputFd, errorsFd] = await opening;
    // Both ends are open: the files have done their work.
    rmSync(stdinPath, { force: true });
    rmSync(stderrPath, { force: true });
    const session = createIpSession({
      args: ['(waiting)'],
      idleMs,
      connect: toIpProcess({ inputFd, errorsFd }),
    });
    // Loopback up ahead of need too (every instance wants it, and it is one of the slowest lines).
    const ready = await session.run(['link set lo up']).then(
      ({ errors }) => errors.length === 0,
      () => false,
    );
    const namespaceId = readNamespaceId(pid);
    // Answered from a namespace of its own: `unshare` made it before it ran `ip` (never the starter's).
    if (
      !ready ||
      namespaceId === undefined ||
      namespaceId === readNamespaceId('self') ||
      readCommandName(pid) !== 'ip'
    ) {
      session.close();
      return undefined;
    }
    return { pid, session, namespaceId };
  } catch {
    if (pair) for (const path of [pair.stdinPath, pair.stderrPath]) rmSync(path, { force: true });
    return undefined;
  }
};

/**
 * Keeps up to `size` waiting `ip` processes (see above). `take` hands out the oldest (waiting for it if it
 * is still starting) and starts another in the background; undefined when none could be made, and after
 * a failure to make one no other is started until `fill` is called again (the next setupNode).
 */
export const createNamespacePool = ({
  starters,
  size = 2,
  idleMs,
}: {
  starters: Starters;
  size?: number;
  /** How long a waiting `ip` stays up unused. */
  idleMs: number;
}) => {
  const members: Promise<WaitingIp | undefined>[] = [];
  const fifos = createFifoStock({ starters });
  let isStopped = false;

  const refill = () => {
    while (!isStopped && members.length < size) {
      const member = startWaitingIp({ starters, fifos, idleMs }).then((waiting) => {
        if (!waiting) isStopped = true;
        return waiting;
      });
      members.push(member);
    }
  };

  return {
    /** Starts waiting processes up to the pool's size (again after a failure). */
    fill: () => {
      isStopped = false;
      refill();
    },
    take: async () => {
      const member = members.shift();
      refill();
      const waiting = await member;
      if (!waiting) return undefined;
      if (isStillWaiting(waiting)) return waiting;
      waiting.session.close();
      return undefined;
    },
    /** Ends every waiting process (their namespaces go with them). */
    close: () => {
      isStopped = true;
      fifos.close();
      for (const member of members.splice(0)) void member.then((waiting) => waiting?.session.close());
    },
  };
};
