import { isNetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { runIpBatch } from '../kernel/links.js';

/** Deletes a host-side veth (and so its peer); a veth already gone is fine. Synchronous in the kernel. */
export const deleteVeth = async ({ host, vethName }: { host: Host; vethName: string }) => {
  try {
    await runIpBatch({ host, lines: [['link', 'del', vethName]] });
  } catch (error) {
    if (!isGone(error)) throw error;
  }
};

const isGone = (error: unknown) =>
  isNetcoreError(error) && /Cannot find device|does not exist|No such device/.test(error.reason);

const pollIntervalMs = 2;

/**
 * Waits until a veth whose peer's namespace was deleted has gone: the kernel dismantles the namespace,
 * and the pair with it, shortly after the name is removed, without the 10-30 ms a synchronous
 * `link del` costs. A pair still there after `timeoutMs` (a process keeps the namespace alive) is
 * deleted explicitly, which cuts the instance off. Probes go to the node's long-lived `ip` process.
 */
export const awaitVethGone = async ({
  host,
  vethName,
  timeoutMs = 250,
}: {
  host: Host;
  vethName: string;
  timeoutMs?: number;
}) => {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      // `link set dev X` with nothing to set changes nothing; unlike `link show dev X`, it does not end a
      // long-lived `ip` that knew X once.
      await runIpBatch({ host, lines: [['link', 'set', 'dev', vethName]] });
    } catch (error) {
      if (isGone(error)) return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  await deleteVeth({ host, vethName });
};

/** Runs steps at once; when one fails, waits for the others (so their undo is registered) and throws the first failure. */
export const runTogether = async (steps: readonly (() => Promise<unknown>)[]) => {
  const results = await Promise.allSettled(steps.map((step) => step()));
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
};
