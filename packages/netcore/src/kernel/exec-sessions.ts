import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIpSession, type IpSession } from './ip-session.js';
import { makeScratchDirectory } from './scratch-directory.js';

/**
 * Long-lived `ip -force -batch -` processes that start short commands for netcore, as
 * `netns exec NS COMMAND ARGS FILE` lines: `ip` forks and execs the command in the namespace and
 * answers when it has ended (a failure prints the command's stderr and `Command failed`). Starting a
 * process from Node blocks its event loop for 2-4 ms (libuv forks the whole process); from a small `ip`
 * it costs Node nothing. The command's input is handed over as a file. Several processes take work at
 * once, the least busy first.
 */
export const createExecSessions = ({ count = 3, idleMs }: { count?: number; idleMs?: number } = {}) => {
  const sessions: IpSession[] = Array.from({ length: count }, () =>
    createIpSession({ args: [], ...(idleMs === undefined ? {} : { idleMs }) }),
  );
  const busy = sessions.map(() => 0);
  return {
    /** Runs `file args... INPUT_FILE` in `namespace`; resolves with the failures reported (none: success). */
    run: async ({
      namespace,
      file,
      args,
      input,
    }: {
      namespace: string;
      file: string;
      args: readonly string[];
      input: string;
    }): Promise<{ errors: string[] }> => {
      // A directory of its own, removed when the command ends: nothing is left if the process stops.
      const directory = makeScratchDirectory({ purpose: 'exec' });
      const inputPath = join(directory, 'input');
      writeFileSync(inputPath, input, { mode: 0o600 });
      const index = busy.indexOf(Math.min(...busy));
      const session = sessions[index] as IpSession;
      busy[index] = (busy[index] ?? 0) + 1;
      try {
        return await session.run([['netns', 'exec', namespace, file, ...args, inputPath].join(' ')]);
      } finally {
        busy[index] = (busy[index] ?? 1) - 1;
        rmSync(directory, { recursive: true, force: true });
      }
    },
    /** Starts every process now (an empty batch), instead of at its first command. */
    prepare: () => {
      for (const session of sessions) session.run([]).catch(() => undefined);
    },
    close: () => {
      for (const session of sessions) session.close();
    },
  };
};

/** Whether arguments can travel on an `ip -batch` line (split at whitespace, quotes interpreted). */
export const canTravelOnBatchLine = (args: readonly string[]) =>
  args.every((arg) => arg !== '' && !/[\s"'\\#]/.test(arg));
