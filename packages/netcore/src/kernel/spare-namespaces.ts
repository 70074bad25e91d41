import { readlinkSync } from 'node:fs';
import { createIpSession, type IpSession } from './ip-session.js';

/** A network namespace made ahead of need, held by the `ip -batch` process that lives in it. */
export type SpareNamespace = { pid: number; session: IpSession };

const ownNamespace = () => readlinkSync('/proc/self/ns/net');

const isInOtherNamespace = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`) !== ownNamespace();
  } catch {
    return false;
  }
};

/**
 * Keeps `count` new, empty network namespaces ready, each an `unshare --net -- ip -force -batch -` process.
 * Making a namespace and starting a process inside it is what an instance's setup spends most of its time
 * on (two process starts); a spare does both before the request comes. `take` hands the oldest over (the
 * caller names it with `ip netns attach NAME PID` and writes the instance's own lines to its session) and
 * starts another, so each spare has had the time of `count` setups to get ready. A spare unused for
 * `lifetimeMs` ends, and its namespace with it: nothing is left behind.
 */
export const createSpareNamespaces = ({
  count = 2,
  lifetimeMs = 5000,
}: {
  count?: number;
  lifetimeMs?: number;
} = {}) => {
  const spares: { session: IpSession; ready: Promise<boolean> }[] = [];
  let isDisabled = false;
  let isClosed = false;

  const start = () => {
    const session = createIpSession({
      args: [],
      launcher: ['unshare', '--net', '--'],
      idleMs: lifetimeMs,
      isRestartable: false,
    });
    // The sentinel's answer proves `ip` runs, so `unshare` has already left our namespace.
    const ready = session.run([]).then(
      () => {
        const pid = session.getPid();
        return pid !== undefined && isInOtherNamespace(pid);
      },
      () => {
        isDisabled = true;
        return false;
      },
    );
    spares.push({ session, ready });
  };

  return {
    /** The oldest spare, or undefined when none can be had (unshare missing, or the spare died). */
    take: async (): Promise<SpareNamespace | undefined> => {
      if (isDisabled) return undefined;
      isClosed = false;
      const current = spares.shift();
      // Refilled once the current work is under way: a spawn holds the event loop for a millisecond or two.
      setImmediate(() => {
        while (spares.length < count && !isDisabled && !isClosed) start();
      });
      if (!current) return undefined;
      const isReady = await current.ready;
      // Once more, now: the process answers (so it lives, and its lifetime starts again) and is not ours.
      const isAlive =
        isReady &&
        (await current.session.run([]).then(
          () => true,
          () => false,
        ));
      const pid = current.session.getPid();
      if (!isAlive || pid === undefined || !isInOtherNamespace(pid)) {
        current.session.close();
        return undefined;
      }
      return { pid, session: current.session };
    },
    close: () => {
      isClosed = true;
      for (const spare of spares.splice(0)) spare.session.close();
    },
  };
};

export type SpareNamespaces = ReturnType<typeof createSpareNamespaces>;
