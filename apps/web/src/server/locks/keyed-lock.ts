import type { DatabaseTransaction } from '../db/database.js';
import { recordPhase } from '../http/server-timing.js';

export type KeyedLock = {
  /** Runs `work` while no other work holding `key` (a node id) runs, in any control plane. */
  run: <T>({ key, work }: { key: string; work: () => Promise<T> }) => Promise<T>;
  /**
   * Inside an allocating transaction: waits until no other transaction allocating under `key` (addresses
   * and host ports of a node, the cluster's subnets) is running, until this one ends.
   */
  serializeAllocation: ({ tx, key }: { tx: DatabaseTransaction; key: string }) => Promise<void>;
  close: () => Promise<void>;
};

/**
 * One queue per key (a node id): work on the same node never interleaves in this process, so a reboot
 * re-apply cannot resurrect an instance being deleted. Work on different nodes runs in parallel.
 */
export const createQueues = () => {
  const tails = new Map<string, Promise<unknown>>();
  return <T>({ key, work }: { key: string; work: () => Promise<T> }): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const queuedAt = performance.now();
    const start = () => {
      recordPhase({ phase: 'lock', ms: performance.now() - queuedAt });
      return work();
    };
    const result = previous.then(start, start);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  };
};

/**
 * The lock of a control plane alone on its database (SQLite): queues in this process. Allocations need
 * nothing more: SQLite runs one writing transaction at a time, and a lost race is a unique violation the
 * allocators retry.
 */
export const createKeyedLock = (): KeyedLock => ({
  run: createQueues(),
  serializeAllocation: async () => {},
  close: async () => {},
});
