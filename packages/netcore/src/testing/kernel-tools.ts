import { execa } from 'execa';
import { NetcoreError } from '../errors.js';
import { type CommandRunner, formatCommand, namespacePath, toCommandLine } from '../kernel/command.js';
import { createExecaRunner } from '../kernel/runner.js';

/** Runs a command inside a lab namespace (for tests that break things by hand). */
export const runIn = async ({ namespace, command }: { namespace: string; command: readonly string[] }) => {
  const [file = '', ...args] = command;
  const result = await execa('nsenter', [`--net=${namespacePath(namespace)}`, '--', file, ...args]);
  return result.stdout;
};

/**
 * A runner that fails the first command matching `shouldFail`, as if the kernel had refused it,
 * and records every command; used to prove that an operation rolls back whatever step fails.
 * `shouldFail` sees the command line as it would be spawned (`ip -n NS ...`, `nsenter --net=... -- ...`).
 */
export const createFaultyRunner = ({
  shouldFail,
  base = createExecaRunner(),
}: {
  shouldFail: (command: { file: string; args: readonly string[]; input?: string; index: number }) => boolean;
  base?: CommandRunner;
}) => {
  const commands: string[] = [];
  let hasFailed = false;
  const runner: CommandRunner = {
    close: () => base.close?.(),
    prepare: () => base.prepare?.(),
    run: async (command) => {
      const index = commands.length;
      commands.push(formatCommand(command));
      if (!hasFailed && shouldFail({ ...toCommandLine(command), input: command.input, index })) {
        hasFailed = true;
        throw new NetcoreError({
          code: 'COMMAND_FAILED',
          reason: `injected failure: ${formatCommand(command)}`,
          command: formatCommand(command),
        });
      }
      return base.run(command);
    },
  };
  return { runner, commands, hasFailed: () => hasFailed };
};
