import type { DatabaseTransaction } from '../db/database.js';
import { recordPhase } from '../http/server-timing.js';

export type KeyedLock = {
  /** Runs `work` while no other work holding `key` (a node id) runs, in any control plane. */
  run: <T>({ key, work }: { key: string; work: () => Promise<T> }) => Promise<T>;
  /**
   * Runs `work` on one item of `key` (an instance of a node): alongside work on the key's other items, but
   * never alongside work on the same item, nor alongside `run` on the whole key, in any control plane. Many
   * instances of one node are set up at once (the agent and netcore group them), while a re-apply of the
   * node still sees none of them half-done.
   */
  runOnItem: <T>({ key, item, work }: { key: string; item: string; work: () => Promise<T> }) => Promise<T>;
  /**
   * Inside an allocating transaction: waits until no other transaction allocating under `key` (addresses
   * and host ports of a node, the cluster's subnets) is running, until this one ends.
   */
  serializeAllocation: ({ tx, key }: { tx: DatabaseTransaction; key: string }) => Promise<void>;
  close: () => Promise<void>;
};

type Waiter = { isShared: boolean; admit: () => void };
type KeyState = { sharedCount: number; isExclusive: boolean; waiting: Waiter[] };

/**
 * A read-write lock per key, in this process, first come first served: exclusive work on a key waits for
 * every holder, shared work only for exclusive work, and nothing overtakes a waiter (so shared work never
 * starves exclusive work). Work starts after what it waited for settled, failed or not.
 */
export const createKeyedQueues = () => {
  const states = new Map<string, KeyState>();
  const admitWaiting = (key: string, state: KeyState) => {
    for (let next = state.waiting[0]; next; next = state.waiting[0]) {
      const isFree = next.isShared ? !state.isExclusive : !state.isExclusive && state.sharedCount === 0;
      if (!isFree) break;
      state.waiting.shift();
      if (next.isShared) state.sharedCount += 1;
      else state.isExclusive = true;
      next.admit();
    }
    if (!state.isExclusive && state.sharedCount === 0 && state.waiting.length === 0) states.delete(key);
  };
  const hold = async <T>({
    key,
    isShared,
    work,
  }: {
    key: string;
    isShared: boolean;
    work: () => Promise<T>;
  }) => {
    const state = states.get(key) ?? { sharedCount: 0, isExclusive: false, waiting: [] };
    states.set(key, state);
    const queuedAt = performance.now();
    await new Promise<void>((admit) => {
      state.waiting.push({ isShared, admit });
      admitWaiting(key, state);
    });
    // Back in the caller's context: the wait is the request's.
    recordPhase({ phase: 'lock', ms: performance.now() - queuedAt });
    try {
      return await work();
    } finally {
      if (isShared) state.sharedCount -= 1;
      else state.isExclusive = false;
      admitWaiting(key, state);
    }
  };
  return {
    exclusive: <T>({ key, work }: { key: string; work: () => Promise<T> }) =>
      hold({ key, isShared: false, work }),
    shared: <T>({ key, work }: { key: string; work: () => Promise<T> }) =>
      hold({ key, isShared: true, work }),
  };
};

/** The key of one item of a key: ids hold no `/`, so it names nothing else. */
export const toItemKey = ({ key, item }: { key: string; item: string }) => `${key}/${item}`;

/**
 * The lock of a control plane alone on its database (SQLite): read-write queues in this process. Work on
 * the same node never interleaves with work on the whole node, so a reboot re-apply cannot resurrect an
 * instance being deleted; instances of one node are worked on at once; different nodes in parallel.
 * Allocations need nothing more: SQLite runs one writing transaction at a time, and a lost race is a
 * unique violation the allocators retry.
 */
export const createKeyedLock = (): KeyedLock => {
  const queues = createKeyedQueues();
  return {
    run: queues.exclusive,
    runOnItem: ({ key, item, work }) =>
      queues.shared({ key, work: () => queues.exclusive({ key: toItemKey({ key, item }), work }) }),
    serializeAllocation: async () => {},
    close: async () => {},
  };
};
