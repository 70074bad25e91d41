import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { createExecSessions } from './exec-sessions.js';
import { makeScratchDirectory } from './scratch-directory.js';

export type FifoPair = { stdinPath: string; stderrPath: string };

type Starters = Pick<ReturnType<typeof createExecSessions>, 'runWords'>;

/**
 * Pairs of FIFOs (a process's input and its error stream), made `count` at a time by one `mkfifo` of a
 * command starter (Node cannot make a FIFO, and a process per pair would cost as much as the process the
 * pair is for), in a private scratch directory. Whoever takes a pair removes its files once both ends
 * are open; `close` removes the directory and what is left in it.
 */
export const createFifoStock = ({ starters, count = 8 }: { starters: Starters; count?: number }) => {
  let directory: string | undefined;
  let spare: FifoPair[] = [];
  let making: Promise<void> | undefined;
  let made = 0;

  const make = async () => {
    directory ??= makeScratchDirectory({ purpose: 'pool' });
    const base = directory;
    const pairs = Array.from({ length: count }, (_, index) => ({
      stdinPath: join(base, `${made + index}.in`),
      stderrPath: join(base, `${made + index}.err`),
    }));
    made += count;
    const outcome = await starters.runWords([
      'mkfifo',
      '-m',
      '600',
      ...pairs.flatMap(({ stdinPath, stderrPath }) => [stdinPath, stderrPath]),
    ]);
    if (outcome.exitCode !== 0) throw new Error(`mkfifo failed: ${outcome.output}`);
    if (directory === base) spare.push(...pairs);
  };

  return {
    take: async (): Promise<FifoPair> => {
      for (;;) {
        const pair = spare.shift();
        if (pair) return pair;
        making ??= make().finally(() => {
          making = undefined;
        });
        await making;
      }
    },
    close: () => {
      if (directory) rmSync(directory, { recursive: true, force: true });
      directory = undefined;
      spare = [];
    },
  };
};
