import type { Host } from './host.js';

/** One queue per host namespace: changes never interleave, so each reads the state it changes. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `work` once every change queued before it on the same host namespace has ended. */
export const runExclusive = <T>({
  host,
  work,
}: {
  host: Pick<Host, 'namespace'>;
  work: () => Promise<T>;
}) => {
  const key = host.namespace ?? '';
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
};
