import { closeSync, constants, open, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { createExecSessions } from './exec-sessions.js';
import { makeScratchDirectory } from './scratch-directory.js';

export type FifoPair = { stdinPath: string; stderrPath: string; directory: string };

type Starters = Pick<ReturnType<typeof createExecSessions>, 'runWords' | 'startInBackground'>;

const openFile = promisify(open);

/** Directories of the pairs being opened, removed if the process exits meanwhile. */
const liveDirectories = new Set<string>();
let isExitHooked = false;

/** How long a started process may take to open its FIFOs. */
const openTimeoutMs = 10_000;

/**
 * Pairs of FIFOs (a process's input and its error stream), each made when it is needed by a `mkfifo` of
 * a command starter (Node cannot make a FIFO) in a private scratch directory of its own, which is removed
 * as soon as both ends are open: nothing is left in the file system while the process runs.
 */
export const createFifoPairs = ({ starters }: { starters: Starters }) => ({
  take: async (): Promise<FifoPair> => {
    if (!isExitHooked) {
      isExitHooked = true;
      process.on('exit', () => {
        for (const directory of liveDirectories) rmSync(directory, { recursive: true, force: true });
      });
    }
    const directory = makeScratchDirectory({ purpose: 'pool' });
    liveDirectories.add(directory);
    const pair = { stdinPath: join(directory, 'in'), stderrPath: join(directory, 'err'), directory };
    const outcome = await starters
      .runWords(['mkfifo', '-m', '600', pair.stdinPath, pair.stderrPath])
      .catch((error: unknown) => ({ exitCode: -1, output: String(error) }));
    if (outcome.exitCode === 0) return pair;
    rmSync(directory, { recursive: true, force: true });
    liveDirectories.delete(directory);
    throw new Error(`mkfifo failed: ${outcome.output}`);
  },
  /** Removes a taken pair's files once both its ends are open (or never will be). */
  release: ({ directory }: FifoPair) => {
    rmSync(directory, { recursive: true, force: true });
    liveDirectories.delete(directory);
  },
});

/**
 * Starts the words (all plain) in the background through a command starter, its input and its errors
 * (with `isStatusReported`, its output and a last line `kudo-status STATUS` too) on a pair of FIFOs from
 * the stock. Each end is opened here off the event loop, where the open waits for the process to open the
 * other; then the files are removed. Undefined when it could not be started.
 */
export const startThroughFifos = async ({
  starters,
  fifos,
  words,
  isStatusReported,
}: {
  starters: Starters;
  fifos: ReturnType<typeof createFifoPairs>;
  words: readonly string[];
  isStatusReported?: boolean;
}) => {
  const pair = await fifos.take().catch(() => undefined);
  if (!pair) return undefined;
  const { stdinPath, stderrPath } = pair;
  let isGivenUp = false;
  let unblocking: number | undefined;
  // Open here the end the process would have opened, so that the waiting open returns.
  const unblock = () => {
    isGivenUp = true;
    try {
      unblocking ??= openSync(stderrPath, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch {
      // the waiting open has returned already
    }
  };
  // The input end is opened for reading and writing, which never waits: the process's open of it returns
  // at once, and when Node goes away it was the only writer, so the process reads the end of its input.
  // The output end waits (off the event loop) for the process to open it; nothing there waits for Node.
  let inputFd: number | undefined;
  // A process that never opens its end (killed before it could) must not hold the open for ever.
  const timer = setTimeout(unblock, openTimeoutMs);
  try {
    inputFd = openSync(stdinPath, constants.O_RDWR | constants.O_NONBLOCK);
    const opening = openFile(stderrPath, constants.O_RDONLY);
    const pid = await starters
      .startInBackground({ words, stdinPath, stderrPath, isStatusReported })
      .catch(() => undefined);
    if (pid === undefined) unblock();
    const outputFd = await opening;
    if (pid === undefined || isGivenUp) {
      for (const fd of [inputFd, outputFd, unblocking]) if (fd !== undefined) closeSync(fd);
      return undefined;
    }
    return { pid, inputFd, outputFd };
  } catch {
    if (inputFd !== undefined) closeSync(inputFd);
    return undefined;
  } finally {
    clearTimeout(timer);
    fifos.release(pair);
  }
};
