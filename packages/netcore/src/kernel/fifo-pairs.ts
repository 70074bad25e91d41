import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { createExecSessions } from './exec-sessions.js';
import { makeScratchDirectory } from './scratch-directory.js';

/**
 * A FIFO pair (a process's input and its error stream) that Node holds open for reading and writing, with
 * its files removed: a process started later opens the ends as `/proc/NODE_PID/fd/N`. That open never
 * waits: while Node runs it holds both ends, and once Node is gone the path no longer exists and the
 * open fails (a FIFO opened by its file waits for a partner, for ever if Node was killed meanwhile).
 * Nothing is left in the file system, whatever happens to Node. Node keeps both ends open until the
 * process has shown it runs, so the numbers it opens are still the pair's.
 */
export type HeldFifos = { inputFd: number; errorsFd: number };

type Starters = Pick<ReturnType<typeof createExecSessions>, 'runWords' | 'startInBackground'>;

/** How long a started process may take to be ready. */
export const readyTimeoutMs = 60_000;

const openHeld = (path: string) => openSync(path, constants.O_RDWR | constants.O_NONBLOCK);

/**
 * FIFO pairs made `count` at a time by one `mkfifo` of a command starter (Node cannot make a FIFO, and a
 * process per pair would cost as much as the process the pair is for), held open by Node at once and
 * their files removed (see `HeldFifos`).
 */
export const createFifoStock = ({ starters, count = 8 }: { starters: Starters; count?: number }) => {
  const spare: HeldFifos[] = [];
  let making: Promise<void> | undefined;

  const make = async () => {
    const directory = makeScratchDirectory({ purpose: 'pool' });
    try {
      const paths = Array.from({ length: count }, (_, index) => ({
        input: join(directory, `${index}.in`),
        errors: join(directory, `${index}.err`),
      }));
      const outcome = await starters.runWords([
        'mkfifo',
        '-m',
        '600',
        ...paths.flatMap(({ input, errors }) => [input, errors]),
      ]);
      if (outcome.exitCode !== 0) throw new Error(`mkfifo failed: ${outcome.output}`);
      for (const { input, errors } of paths)
        spare.push({ inputFd: openHeld(input), errorsFd: openHeld(errors) });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  };

  return {
    take: async (): Promise<HeldFifos> => {
      for (;;) {
        const held = spare.shift();
        if (held) return held;
        making ??= make().finally(() => {
          making = undefined;
        });
        await making;
      }
    },
    /** Closes the pairs nobody took. */
    close: () => {
      for (const { inputFd, errorsFd } of spare.splice(0))
        for (const fd of [inputFd, errorsFd]) closeSync(fd);
    },
  };
};

/**
 * Starts the words (all plain) in the background through a command starter, its input and its errors
 * (with `isStatusReported`, its output too, after a first line `kudo-ready` and before a last line
 * `kudo-status STATUS`) on a held FIFO pair. Node reads the errors through a read-only open of its own;
 * `markReady`, called once the process has shown it runs, closes Node's read-write end, so that the end
 * of the process is the end of that stream from then on. Undefined when it could not be started.
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
  const held = await fifos.take().catch(() => undefined);
  if (!held) return undefined;
  const { inputFd, errorsFd } = held;
  const outputFd = openSync(`/proc/self/fd/${errorsFd}`, constants.O_RDONLY | constants.O_NONBLOCK);
  const opened = `/proc/${process.pid}/fd`;
  const pid = await starters
    .startInBackground({
      words,
      stdinPath: `${opened}/${inputFd}`,
      stderrPath: `${opened}/${errorsFd}`,
      isStatusReported,
    })
    .catch(() => undefined);
  if (pid === undefined) {
    for (const fd of [inputFd, errorsFd, outputFd]) closeSync(fd);
    return undefined;
  }
  let isReady = false;
  const markReady = () => {
    if (isReady) return;
    isReady = true;
    closeSync(errorsFd);
  };
  // A process that never shows it runs (killed before it could) ends its stream all the same.
  const timer = setTimeout(markReady, readyTimeoutMs);
  timer.unref();
  return {
    pid,
    inputFd,
    outputFd,
    markReady: () => {
      clearTimeout(timer);
      markReady();
    },
  };
};
