import { statSync } from 'node:fs';
import { Socket } from 'node:net';
import type { ExecOutcome } from './exec-sessions.js';
import { type createFifoStock, startThroughFifos } from './fifo-pairs.js';

type Starters = Parameters<typeof startThroughFifos>[0]['starters'];

/** A command started ahead of need, waiting for its input; `done` settles when it has ended. */
type WaitingCommand = {
  input: Socket;
  output: Socket;
  /** True once it runs, false if it ended before. */
  ready: Promise<boolean>;
  done: Promise<ExecOutcome>;
  hasEnded: () => boolean;
};

type Waiting = WaitingCommand & { namespaceId: number };

/** The inode of the namespace bound at `path` (none: the runner's own, which does not change). */
const readNamespaceId = (path: string | undefined) => {
  if (path === undefined) return 0;
  try {
    return statSync(path).ino;
  } catch {
    return -1;
  }
};

const statusPattern = /\n?kudo-status (\d+)\n?$/;

const readyLine = 'kudo-ready\n';

const toWaitingCommand = ({
  inputFd,
  outputFd,
  markReady,
}: {
  inputFd: number;
  outputFd: number;
  markReady: () => void;
}): WaitingCommand => {
  const input = new Socket({ fd: inputFd, readable: false, writable: true });
  const output = new Socket({ fd: outputFd, readable: true, writable: false });
  input.on('error', () => undefined);
  // Node holds this end for reading too (see fifo-pairs.ts): only closing it ends the process's input.
  input.on('finish', () => input.destroy());
  output.setEncoding('utf8');
  let text = '';
  let isEnded = false;
  let setReady: (isReady: boolean) => void = () => undefined;
  let hasShownReady = false;
  // Until it has shown it runs (it has opened both its ends then: see fifo-pairs.ts), Node waits for it.
  const ready = new Promise<boolean>((resolve) => {
    setReady = (isReady) => {
      if (hasShownReady) return;
      hasShownReady = true;
      // A waiting command does not keep Node running: when Node ends, its input ends, and so does it.
      input.unref();
      output.unref();
      resolve(isReady);
    };
  });
  const done = new Promise<ExecOutcome>((resolve) => {
    output.on('data', (chunk: string) => {
      text += chunk;
      if (!text.startsWith(readyLine)) return;
      markReady();
      setReady(true);
    });
    output.on('error', () => undefined);
    output.on('close', () => {
      isEnded = true;
      input.destroy();
      const status = statusPattern.exec(text)?.[1];
      markReady();
      setReady(false);
      resolve({
        exitCode: status === undefined ? 1 : Number(status),
        output: text.replace(readyLine, '').replace(statusPattern, '').trim(),
      });
    });
  });
  return { input, output, ready, done, hasEnded: () => isEnded };
};

/**
 * Commands that read their whole input and then act (iptables-restore), started ahead of need: once a
 * command line has not run for `quietMs` (or when `prepare` asks), its next run is started in the
 * background by a command starter, reading a FIFO (see fifo-pairs.ts), so that its process start is paid
 * before it is needed. A run writes its input there and reads the output and exit status. Runs that come
 * back to back (a burst) start theirs as before: one started ahead of each would only add its start to the
 * work the machine does, where there is no idle time to hide it in. An unused one ends after `idleMs`
 * with an empty input, which changes nothing; when Node goes away its input ends the same way.
 */
export const createWaitingCommands = ({
  starters,
  fifos,
  idleMs,
  quietMs = 25,
}: {
  starters: Starters;
  fifos: ReturnType<typeof createFifoStock>;
  idleMs: number;
  /** How long a command line stays unused before its next run is started ahead of need. */
  quietMs?: number;
}) => {
  /** Per command line: the one started ahead of need, once it waits (`command`), or while it starts. */
  const waiting = new Map<string, { started: Promise<unknown>; command?: Waiting | undefined }>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Per command line not started yet: when to start it, and how. */
  const quiet = new Map<string, { timer: NodeJS.Timeout; start: () => void }>();
  let isClosed = false;

  const take = (key: string) => {
    clearTimeout(timers.get(key));
    timers.delete(key);
    const entry = waiting.get(key);
    waiting.delete(key);
    return entry;
  };

  const end = (key: string) => {
    const entry = take(key);
    void entry?.started.then(() => entry.command?.input.end());
  };

  const startNext = (words: readonly string[], entered: string | undefined) => {
    const key = words.join(' ');
    if (isClosed || waiting.has(key)) return;
    const namespaceId = readNamespaceId(entered);
    const entry: { started: Promise<unknown>; command?: Waiting | undefined } = {
      started: startThroughFifos({ starters, fifos, words, isStatusReported: true }).then(async (started) => {
        const command = started ? { ...toWaitingCommand(started), namespaceId } : undefined;
        // Used only once it runs: before, the ends it opens by number may not be open yet.
        entry.command = command && (await command.ready) ? command : undefined;
        // One that could not start is forgotten: the next run starts another.
        if (!entry.command && waiting.get(key) === entry) take(key);
      }),
    };
    waiting.set(key, entry);
    const timer = setTimeout(() => end(key), idleMs);
    timer.unref();
    timers.set(key, timer);
  };

  /** Starts the next run of the words once they have not run for `quietMs` (again from now on each run). */
  const startWhenQuiet = (words: readonly string[], entered: string | undefined) => {
    const key = words.join(' ');
    clearTimeout(quiet.get(key)?.timer);
    const start = () => {
      clearTimeout(quiet.get(key)?.timer);
      quiet.delete(key);
      startNext(words, entered);
    };
    const timer = setTimeout(start, quietMs);
    timer.unref();
    quiet.set(key, { timer, start });
  };

  return {
    /**
     * Runs the words with `input` on the one waiting for them; undefined when there is none ready (the
     * caller runs them itself): one still starting is left for the next run, which it would only delay.
     */
    run: async ({
      words,
      entered,
      input,
    }: {
      words: readonly string[];
      /** The file of the namespace the words enter, if any. */
      entered: string | undefined;
      input: string;
    }) => {
      const key = words.join(' ');
      const entry = waiting.get(key);
      if (!entry) {
        startWhenQuiet(words, entered);
        return undefined;
      }
      if (!entry.command) return undefined;
      const { command } = entry;
      take(key);
      // One that entered a namespace since deleted and made again under the same name is not used.
      if (command.hasEnded() || command.namespaceId !== readNamespaceId(entered)) {
        command.input.end();
        startWhenQuiet(words, entered);
        return undefined;
      }
      // Node waits for its answer now.
      command.output.ref();
      command.input.end(input);
      // The next one waits until this one is done, and the command line is quiet.
      return command.done.finally(() => startWhenQuiet(words, entered));
    },
    /**
     * Settles once every command started ahead of need is waiting (or failed to start); after `close`,
     * commands are started ahead of need again.
     */
    prepare: async () => {
      isClosed = false;
      for (const { start } of [...quiet.values()]) start();
      await Promise.all([...waiting.values()].map(({ started }) => started));
    },
    close: () => {
      isClosed = true;
      for (const { timer } of quiet.values()) clearTimeout(timer);
      quiet.clear();
      for (const key of [...waiting.keys()]) end(key);
    },
  };
};
