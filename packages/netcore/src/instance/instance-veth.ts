import { isNetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';

const isGone = (error: unknown) =>
  isNetcoreError(error) && /Cannot find device|does not exist|No such device/.test(error.reason);

/** Whether a failed `link add` was refused because a link of one of its names exists ('File exists'). */
export const isLinkNameTaken = (error: unknown) => isNetcoreError(error) && /File exists/.test(error.reason);

/**
 * Deletes a host-side veth (and so its peer); a veth already gone is fine. Returns once the kernel has
 * unlisted both (their names are free), without waiting while it frees them (see kernel/link-monitor.ts).
 */
export const deleteVeth = async ({ host, vethName }: { host: Host; vethName: string }) => {
  try {
    await host.runner.run({
      kind: 'ip-link-delete',
      namespace: host.namespace,
      file: 'ip',
      args: ['-batch', '-'],
      input: `link del ${vethName}\n`,
    });
  } catch (error) {
    if (!isGone(error)) throw error;
  }
};

/** Runs steps at once; when one fails, waits for the others (so their undo is registered) and throws the first failure. */
export const runTogether = async (steps: readonly (() => Promise<unknown>)[]) => {
  const results = await Promise.allSettled(steps.map((step) => step()));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
};
