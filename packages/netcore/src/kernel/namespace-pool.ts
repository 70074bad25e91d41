import { readFileSync, readlinkSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { setPriority } from 'node:os';
import type { createExecSessions } from './exec-sessions.js';
import { type createFifoStock, startThroughFifos } from './fifo-pairs.js';
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

/**
 * Whether the namespace bound at `path` is the waiting `ip`'s own, as it was when it was made ready (the
 * attach named it by pid: a pid used again by another process must never get an instance's batch).
 */
export const isNamespaceOf = ({ waiting, path }: { waiting: WaitingIp; path: string }) => {
  try {
    return `net:[${statSync(path).ino}]` === waiting.namespaceId;
  } catch {
    return false;
  }
};

/** The process's two FIFO ends as the streams an `ip` session writes to and reads from. */
const toIpProcess = ({ inputFd, errorsFd }: { inputFd: number; errorsFd: number }) => {
  const stdin = new Socket({ fd: inputFd, readable: false, writable: true });
  // Node holds this end for reading too (see fifo-pairs.ts): only closing it ends the process's input.
  stdin.on('finish', () => stdin.destroy());
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
 * Starts one waiting `ip` in a fresh anonymous namespace, reached through a pair of FIFOs (see
 * fifo-pairs.ts), once its first batch (loopback up) is answered. Undefined when anything failed.
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
  const started = await startThroughFifos({
    starters,
    fifos,
    // At the lowest priority while it starts and waits: it must not slow the setups under way.
    words: ['nice', '-n', '19', 'unshare', '--net', '--', 'ip', '-force', '-batch', '-'],
  });
  if (!started) return undefined;
  const { pid, inputFd, outputFd: errorsFd, markReady } = started;
  try {
    const session = createIpSession({
      args: ['(waiting)'],
      idleMs,
      connect: toIpProcess({ inputFd, errorsFd }),
    });
    // Loopback up ahead of need too (every instance wants it, and it is one of the slowest lines).
    const answered = session.run(['link set lo up']);
    // Answered, or failed: its error stream was opened by it, or never will be.
    void answered.finally(markReady).catch(() => undefined);
    const ready = await answered.then(
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
    return undefined;
  }
};

/**
 * Keeps up to `size` waiting `ip` processes (see above). `take` hands out the oldest (waiting for it if it
 * is still starting), undefined when there is none; `replenish` starts others in the background. After a
 * failure to make one no other is started until `fill` is called again (the next setupNode).
 */
export const createNamespacePool = ({
  starters,
  fifos,
  size = 2,
  idleMs,
}: {
  starters: Starters;
  fifos: ReturnType<typeof createFifoStock>;
  size?: number;
  /** How long a waiting `ip` stays up unused. */
  idleMs: number;
}) => {
  const members: Promise<WaitingIp | undefined>[] = [];
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
    /** Starts waiting processes up to the pool's size (again after a failure); settles once they are ready. */
    fill: async () => {
      isStopped = false;
      refill();
      await Promise.all(members);
    },
    /** The oldest waiting `ip` (once it is ready); none when the pool is empty or it could not start. */
    take: async () => {
      // Those that ended while they waited (idle, killed) are passed over; one still starting is awaited.
      for (let left = members.length; left > 0; left -= 1) {
        const waiting = await members.shift();
        if (waiting && isStillWaiting(waiting)) {
          // Its batch is a setup's: at the usual priority again (as it was, should that fail).
          try {
            setPriority(waiting.pid, 0);
          } catch {}
          return waiting;
        }
        waiting?.session.close();
      }
      return undefined;
    },
    /**
     * Starts waiting processes up to the pool's size, unless making one failed; called after a setup is
     * done with its namespace, so that their start does not compete with it.
     */
    replenish: refill,
    /** Ends every waiting process (their namespaces go with them). */
    close: () => {
      isStopped = true;
      for (const member of members.splice(0)) void member.then((waiting) => waiting?.session.close());
    },
  };
};
