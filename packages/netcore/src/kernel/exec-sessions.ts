import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { namespacePath } from './command.js';
import { makeScratchDirectory } from './scratch-directory.js';

/**
 * Long-lived starters of short commands: a `sh` that reads one line per command, of the form
 * `nsenter --net=/run/netns/NS -- COMMAND ARGS FILE 2>&1 </dev/null; printf '\nkudo-exit ID %d\n' $?`, and answers
 * with the command's output and its exit status (a runtime's namespace, known only by its file, is entered
 * the same way: `nsenter --net=/proc/PID/ns/net`). Starting a process from Node blocks its event loop for
 * 2-4 ms (libuv forks the whole process); from a small `sh` it costs Node nothing. `nsenter --net` only
 * switches the network namespace, so the cost stays flat however many namespaces the machine names
 * (`ip netns exec` and `ip -n` also copy the mount table, one mount per named namespace: 6 ms at 5
 * namespaces, 15 ms at 1,000 here). The shell interprets nothing of ours: every word of a line is checked
 * against `isPlainWord` (no quote, space, glob or expansion character) and a command with another word
 * is not started here (the runner spawns it). The command's input is handed over as a file.
 */
export type ExecOutcome = { exitCode: number; output: string };

type Pending = { id: number; resolve: (outcome: ExecOutcome) => void; reject: (error: Error) => void };

/** Words a shell takes literally: letters, digits and `_ @ % + = : , . / -` only. */
export const isPlainWord = (word: string) => /^[A-Za-z0-9_@%+=:,./-]+$/.test(word);

const assertPlain = (words: readonly string[]) => {
  const word = words.find((each) => !isPlainWord(each));
  if (word !== undefined)
    throw new Error(`not a plain word for the command starter: ${JSON.stringify(word)}`);
};

const ackPattern = /^kudo-exit (\d+) (\d+)$/;

const createStarter = ({ idleMs }: { idleMs: number }) => {
  let child: ChildProcess | undefined;
  let pending: Pending[] = [];
  let output: string[] = [];
  let buffer = '';
  let nextId = 1;
  let idleTimer: NodeJS.Timeout | undefined;

  const setReferenced = (isReferenced: boolean) => {
    for (const handle of [child, child?.stdin, child?.stdout] as (
      | ChildProcess
      | Readable
      | Writable
      | undefined
    )[]) {
      const refable = handle as { ref?: () => void; unref?: () => void } | undefined;
      if (isReferenced) refable?.ref?.();
      else refable?.unref?.();
    }
  };

  const failAll = (error: Error) => {
    const failed = pending;
    pending = [];
    child = undefined;
    for (const entry of failed) entry.reject(error);
  };

  const onLine = (line: string) => {
    const match = ackPattern.exec(line);
    const [current] = pending;
    if (!match || Number(match[1]) !== current?.id) {
      output.push(line);
      return;
    }
    pending.shift();
    current.resolve({ exitCode: Number(match[2]), output: output.join('\n').trim() });
    output = [];
    if (pending.length === 0) scheduleIdle();
  };

  const start = () => {
    const shell = spawn('sh', [], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    shell.stdout?.setEncoding('utf8');
    shell.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
    shell.on('error', (error) => failAll(error));
    shell.on('exit', (code) => {
      if (child === shell) failAll(new Error(`the command starter exited (${code}) with work pending`));
    });
    shell.stdin?.on('error', () => undefined);
    child = shell;
    return shell;
  };

  function scheduleIdle() {
    clearTimeout(idleTimer);
    setReferenced(false);
    idleTimer = setTimeout(close, idleMs);
    idleTimer.unref();
  }

  function close() {
    clearTimeout(idleTimer);
    const current = child;
    child = undefined;
    current?.stdin?.end();
  }

  /** Writes `COMMAND printf ACK STATUS` (COMMAND ends in `;` or `&`); resolves with what came before the acknowledgement and STATUS. */
  const send = ({ command, status }: { command: string; status: '$?' | '$!' }) =>
    new Promise<ExecOutcome>((resolve, reject) => {
      clearTimeout(idleTimer);
      const shell = child ?? start();
      setReferenced(true);
      const id = nextId;
      nextId += 1;
      pending.push({ id, resolve, reject });
      // The leading newline ends a last line the command left open, so the acknowledgement has its own.
      shell.stdin?.write(`${command} printf '\\nkudo-exit ${id} %d\\n' ${status}\n`);
    });

  return {
    /** Runs the words (all plain) as one command; resolves with its output and exit status. */
    run: (words: readonly string[]) => send({ command: `${words.join(' ')} 2>&1 </dev/null;`, status: '$?' }),
    /**
     * Starts the words (all plain) in the background, reading `stdinPath` and writing its errors to
     * `stderrPath` (both plain, FIFOs the caller holds), its output discarded; resolves with its pid.
     */
    startInBackground: async ({
      words,
      stdinPath,
      stderrPath,
      isStatusReported = false,
    }: {
      words: readonly string[];
      stdinPath: string;
      stderrPath: string;
      /** Its output goes to `stderrPath` too, after a line `kudo-ready` and before a last line `kudo-status STATUS`. */
      isStatusReported?: boolean;
    }) =>
      (
        await send({
          command: isStatusReported
            ? `{ printf 'kudo-ready\\n'; ${words.join(' ')}; printf '\\nkudo-status %d\\n' $?; } <${stdinPath} >${stderrPath} 2>&1 &`
            : `${words.join(' ')} <${stdinPath} 2>${stderrPath} >/dev/null &`,
          status: '$!',
        })
      ).exitCode,
    close,
    /** Starts the shell ahead of its first command. */
    prepare: () => {
      if (child) return;
      start();
      scheduleIdle();
    },
  };
};

/** The file of the namespace a command enters: a runtime's by its path, or a named one; none: the starter's own. */
const toEnteredFile = ({
  namespace,
  netnsPath,
}: {
  namespace: string | undefined;
  netnsPath?: string | undefined;
}) => netnsPath ?? (namespace === undefined ? undefined : namespacePath(namespace));

/**
 * The words that start `file args... INPUT_FILE` in the namespace entered (the starter's own without one);
 * without an input file, `file args...` (a command that reads its standard input).
 */
export const toWords = ({
  namespace,
  netnsPath,
  file,
  args,
  inputPath,
}: {
  namespace: string | undefined;
  netnsPath?: string | undefined;
  file: string;
  args: readonly string[];
  inputPath?: string | undefined;
}) => {
  const entered = toEnteredFile({ namespace, netnsPath });
  return [
    ...(entered === undefined ? [] : ['nsenter', `--net=${entered}`, '--']),
    file,
    ...args,
    ...(inputPath === undefined ? [] : [inputPath]),
  ];
};

/** Whether a starter can run the command: all its words are plain (see `isPlainWord`). */
export const canStartLiterally = ({
  namespace,
  netnsPath,
  file,
  args,
}: {
  namespace: string | undefined;
  /** A namespace known only by its file (a runtime's `/proc/PID/ns/net`), entered instead of `namespace`. */
  netnsPath?: string | undefined;
  file: string;
  args: readonly string[];
}) => [file, ...args, ...[namespace, netnsPath].filter((word) => word !== undefined)].every(isPlainWord);

/**
 * A few starters (see above) that take work at once, the least busy first. A command runs as
 * `file args... INPUT_FILE`, its input written to a private scratch file removed when it ends.
 */
export const createExecSessions = ({
  count = 3,
  idleMs = 60_000,
}: {
  count?: number;
  idleMs?: number;
} = {}) => {
  const starters = Array.from({ length: count }, () => createStarter({ idleMs }));
  const busy = starters.map(() => 0);
  const pickStarter = () => {
    const index = busy.indexOf(Math.min(...busy));
    const starter = starters[index];
    if (!starter) throw new Error('no command starter');
    return [starter, index] as const;
  };
  return {
    run: async ({
      namespace,
      netnsPath,
      file,
      args,
      input,
    }: {
      namespace: string | undefined;
      netnsPath?: string | undefined;
      file: string;
      args: readonly string[];
      input: string;
    }): Promise<ExecOutcome> => {
      // A directory of its own, removed when the command ends: nothing is left if the process stops.
      const directory = makeScratchDirectory({ purpose: 'exec' });
      const inputPath = join(directory, 'input');
      writeFileSync(inputPath, input, { mode: 0o600 });
      const [starter, index] = pickStarter();
      busy[index] = (busy[index] ?? 0) + 1;
      try {
        return await starter.run(toWords({ namespace, netnsPath, file, args, inputPath }));
      } finally {
        busy[index] = (busy[index] ?? 1) - 1;
        rmSync(directory, { recursive: true, force: true });
      }
    },
    /** Runs plain words (no input file) with the least busy starter: a command of netcore's own. */
    runWords: (words: readonly string[]) => {
      assertPlain(words);
      const [starter] = pickStarter();
      return starter.run(words);
    },
    /** See the starter's `startInBackground`: a process netcore keeps, started by the least busy starter. */
    startInBackground: (options: {
      words: readonly string[];
      stdinPath: string;
      stderrPath: string;
      isStatusReported?: boolean;
    }) => {
      assertPlain([...options.words, options.stdinPath, options.stderrPath]);
      const [starter] = pickStarter();
      return starter.startInBackground(options);
    },
    /** Starts every starter now, instead of at its first command. */
    prepare: () => {
      for (const starter of starters) starter.prepare();
    },
    close: () => {
      for (const starter of starters) starter.close();
    },
  };
};
