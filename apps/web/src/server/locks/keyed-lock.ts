/**
 * One queue per key (a node id): work on the same node never interleaves in this process, so a reboot
 * re-apply cannot resurrect an instance being deleted. Work on different nodes runs in parallel.
 */
export const createKeyedLock = () => {
  const tails = new Map<string, Promise<unknown>>();
  const run = <T>({ key, work }: { key: string; work: () => Promise<T> }): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
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
  return { run };
};

export type KeyedLock = ReturnType<typeof createKeyedLock>;
