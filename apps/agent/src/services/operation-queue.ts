import { NetcoreError } from '@kudo/netcore';

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

/**
 * One queue of changes for a node: each operation starts when the previous one has really ended (even one
 * whose caller already got a time-out), so two changes never interleave. Depth counts waiting and running ones.
 */
export const createOperationQueue = ({
  onDepthChange = () => undefined,
}: {
  onDepthChange?: (depth: number) => void;
} = {}) => {
  let tail: Promise<void> = Promise.resolve();
  let depth = 0;
  const changeDepth = (delta: number) => {
    depth += delta;
    onDepthChange(depth);
  };

  const enqueue = <T>({
    operation,
    timeoutMs,
    work,
    onStart = () => undefined,
    onSettled = () => undefined,
  }: {
    operation: string;
    timeoutMs: number;
    work: () => Promise<T>;
    /** Called when the operation leaves the queue and starts. */
    onStart?: () => void;
    /** Called when the work has really ended, which may be after its caller got a time-out. */
    onSettled?: (outcome: QueueOutcome) => void;
  }): Promise<T> => {
    changeDepth(1);
    const previous = tail;
    let releaseSlot: () => void = () => undefined;
    const slot = new Promise<void>((resolve) => {
      releaseSlot = resolve;
    });
    tail = previous.then(() => slot);
    return previous.then(() => {
      onStart();
      const running = Promise.resolve().then(work);
      running.then(
        () => onSettled({ isOk: true }),
        (error: unknown) => onSettled({ isOk: false, error }),
      );
      void running
        .catch(() => undefined)
        .finally(() => {
          changeDepth(-1);
          releaseSlot();
        });
      return raceTimeout({ promise: running, timeoutMs, operation });
    });
  };

  /** Resolves once nothing is waiting or running. */
  const whenIdle = async () => {
    while (depth > 0) await tail;
  };

  return { enqueue, whenIdle, getDepth: () => depth };
};

export type OperationQueue = ReturnType<typeof createOperationQueue>;
