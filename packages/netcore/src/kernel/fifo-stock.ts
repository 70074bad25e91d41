import { closeSync, constants, open, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { createExecSessions } from './exec-sessions.js';
import { makeScratchDirectory } from './scratch-directory.js';

/** A directory of FIFOs made by one stock, removed once closed and no pair of it is being opened. */
type Batch = { directory: string; taken: number; isClosed: boolean };

export type FifoPair = { stdinPath: string; stderrPath: string; batch: Batch };

type Starters = Pick<ReturnType<typeof createExecSessions>, 'runWords' | 'startInBackground'>;

const openFile = promisify(open);

/** Directories of every stock of the process, removed when it exits (spare FIFOs are no one's then). */
const liveDirectories = new Set<string>();
let isExitHooked = false;

const removeDirectory = (directory: string) => {
  rmSync(directory, { recursive: true, force: true });
  liveDirectories.delete(directory);
};

const makeDirectory = () => {
  if (!isExitHooked) {
    isExitHooked = true;
    process.on('exit', () => {
      for (const directory of liveDirectories) rmSync(directory, { recursive: true, force: true });
    });
  }
  const directory = makeScratchDirectory({ purpose: 'pool' });
  liveDirectories.add(directory);
  return directory;
};

/** How long a started process may take to open its FIFOs. */
const openTimeoutMs = 10_000;

/**
 * Pairs of FIFOs (a process's input and its error stream), made `count` at a time by one `mkfifo` of a
 * command starter (Node cannot make a FIFO, and a process per pair would cost as much as the process the
 * pair is for), in a private scratch directory. Whoever takes a pair removes its files once both ends
 * are open; `close` removes the directory and what is left in it.
 */
export const createFifoStock = ({ starters, count = 8 }: { starters: Starters; count?: number }) => {
  let current: Batch | undefined;
  const spare: FifoPair[] = [];
  let making: Promise<void> | undefined;
  let made = 0;

  const removePair = ({ stdinPath, stderrPath }: FifoPair) => {
    rmSync(stdinPath, { force: true });
    rmSync(stderrPath, { force: true });
  };

  const make = async () => {
    current ??= { directory: makeDirectory(), taken: 0, isClosed: false };
    const batch = current;
    const pairs = Array.from({ length: count }, (_, index) => ({
      stdinPath: join(batch.directory, `${made + index}.in`),
      stderrPath: join(batch.directory, `${made + index}.err`),
      batch,
    }));
    made += count;
    const outcome = await starters.runWords([
      'mkfifo',
      '-m',
      '600',
      ...pairs.flatMap(({ stdinPath, stderrPath }) => [stdinPath, stderrPath]),
    ]);
    if (outcome.exitCode !== 0) throw new Error(`mkfifo failed: ${outcome.output}`);
    if (current === batch) spare.push(...pairs);
    else for (const pair of pairs) removePair(pair);
  };

  return {
    take: async (): Promise<FifoPair> => {
      for (;;) {
        const pair = spare.shift();
        if (pair) {
          pair.batch.taken += 1;
          return pair;
        }
        making ??= make().finally(() => {
          making = undefined;
        });
        await making;
      }
    },
    /** Removes a taken pair's files once both its ends are open (or never will be). */
    release: (pair: FifoPair) => {
      removePair(pair);
      pair.batch.taken -= 1;
      if (pair.batch.isClosed && pair.batch.taken === 0) removeDirectory(pair.batch.directory);
    },
    /** Removes the spare pairs, and their directory once no taken pair is still being opened. */
    close: () => {
      for (const pair of spare.splice(0)) removePair(pair);
      if (current) {
        current.isClosed = true;
        if (current.taken === 0) removeDirectory(current.directory);
      }
      current = undefined;
    },
  };
};

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
  fifos: ReturnType<typeof createFifoStock>;
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
