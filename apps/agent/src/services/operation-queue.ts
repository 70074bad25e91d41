import { NetcoreError } from '@kudo/netcore';
import type { OperationAccess } from './operation-access.js';

export type QueueOutcome = { isOk: true } | { isOk: false; error: unknown };

/**
 * Runs a promise against a deadline. On time-out the caller gets a TIMEOUT error at once; the work itself
 * cannot be cancelled and goes on, so whoever owns it must still wait for it.
 */
export const raceTimeout = async <T>({
  promise,
  timeoutMs,
  operation,
}: {
  promise: Promise<T>;
  timeoutMs: number;
  operation: string;
}): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new NetcoreError({
            code: 'TIMEOUT',
            reason: `${operation} did not finish within ${timeoutMs} ms; it runs on, and later changes wait for it`,
          }),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

type Waiting = { access: OperationAccess; start: () => void };

/**
 * The queue of changes of a node, as a reader-writer lock taken in arrival order. An exclusive operation
 * (the node itself: setupNode, cleanNode, ...) starts once everything before it has really ended (even
 * one whose caller already got a time-out), and nothing after it starts before it ends. Shared operations
 * (instances) run together, so netcore can group their kernel work; two that name the same key (the
 * same instance) still run one after the other, in arrival order. Depth counts waiting and running ones.
 */
export const createOperationQueue = ({
  onDepthChange = () => undefined,
}: {
  onDepthChange?: (depth: number) => void;
} = {}) => {
  const waiting: Waiting[] = [];
  const busyKeys = new Set<string>();
  let sharedCount = 0;
  let isExclusiveRunning = false;
  let depth = 0;
  let idleWaiters: (() => void)[] = [];
  const changeDepth = (delta: number) => {
    depth += delta;
    onDepthChange(depth);
    if (depth > 0) return;
    for (const wake of idleWaiters) wake();
    idleWaiters = [];
  };

  // Starts, in arrival order, whatever may start now: an exclusive operation is a barrier to all behind it.
  const startWhatMay = () => {
    const keysAhead = new Set<string>();
    for (let index = 0; index < waiting.length && !isExclusiveRunning; ) {
      const entry = waiting[index] as Waiting;
      if (entry.access.mode === 'exclusive') {
        if (index > 0 || sharedCount > 0) return;
        waiting.shift();
        isExclusiveRunning = true;
        entry.start();
        return;
      }
      const { keys } = entry.access;
      if (keys.some((key) => busyKeys.has(key) || keysAhead.has(key))) {
        for (const key of keys) keysAhead.add(key);
        index += 1;
        continue;
      }
      waiting.splice(index, 1);
      sharedCount += 1;
      for (const key of keys) busyKeys.add(key);
      entry.start();
    }
  };

  const release = (access: OperationAccess) => {
    if (access.mode === 'exclusive') isExclusiveRunning = false;
    else {
      sharedCount -= 1;
      for (const key of access.keys) busyKeys.delete(key);
    }
    changeDepth(-1);
    startWhatMay();
  };

  const enqueue = <T>({
    operation,
    timeoutMs,
    work,
    access = { mode: 'exclusive' },
    onStart = () => undefined,
    onSettled = () => undefined,
  }: {
    operation: string;
    timeoutMs: number;
    work: () => Promise<T>;
    /** How it shares the node with others; exclusive when omitted. */
    access?: OperationAccess;
    /** Called when the operation leaves the queue and starts. */
    onStart?: () => void;
    /** Called when the work has really ended, which may be after its caller got a time-out. */
    onSettled?: (outcome: QueueOutcome) => void;
  }): Promise<T> => {
    changeDepth(1);
    // The running work travels in a box: resolving with a promise itself would wait for it to end.
    const started = new Promise<{ running: Promise<T> }>((resolve) => {
      waiting.push({
        access,
        start: () => {
          onStart();
          const running = Promise.resolve().then(work);
          // Settled before the slot is released: an exclusive operation's end is told before the next starts.
          running.then(
            () => onSettled({ isOk: true }),
            (error: unknown) => onSettled({ isOk: false, error }),
          );
          void running.catch(() => undefined).finally(() => release(access));
          resolve({ running });
        },
      });
    });
    startWhatMay();
    return started.then(({ running }) => raceTimeout({ promise: running, timeoutMs, operation }));
  };

  /** Resolves once nothing is waiting or running. */
  const whenIdle = () =>
    depth === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          idleWaiters.push(resolve);
        });

  return { enqueue, whenIdle, getDepth: () => depth };
};

export type OperationQueue = ReturnType<typeof createOperationQueue>;
