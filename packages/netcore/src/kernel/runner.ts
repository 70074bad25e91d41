import { execa } from 'execa';
import { NetcoreError } from '../errors.js';

/** One command: a binary and plain arguments (never a shell), with optional standard input. */
export type Command = { file: string; args: readonly string[]; input?: string };
export type CommandResult = { stdout: string; stderr: string };

/** The only door from netcore to the machine. Tests swap it to inject faults or record commands. */
export type CommandRunner = { run: (command: Command) => Promise<CommandResult> };

export const formatCommand = ({ file, args }: Command) => [file, ...args].join(' ');

const classifyFailure = ({
  command,
  stderr,
  isMissingBinary,
}: {
  command: Command;
  stderr: string;
  isMissingBinary: boolean;
}) => {
  if (isMissingBinary) {
    return new NetcoreError({
      code: 'MISSING_DEPENDENCY',
      reason: `'${command.file}' is not installed (install iproute2, iptables, conntrack and util-linux)`,
      command: formatCommand(command),
    });
  }
  if (/Operation not permitted|Permission denied|must be run as root|you must be root/i.test(stderr)) {
    return new NetcoreError({
      code: 'PERMISSION_DENIED',
      reason: `'${command.file}' needs root (CAP_NET_ADMIN): ${stderr.trim()}`,
      command: formatCommand(command),
    });
  }
  return undefined;
};

/** Runs commands with execa; a failure becomes a NetcoreError that keeps the command and its stderr. */
export const createExecaRunner = ({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): CommandRunner => ({
  run: async (command) => {
    const result = await execa(command.file, command.args, {
      input: command.input,
      reject: false,
      timeout: timeoutMs,
      stripFinalNewline: false,
      env: { LC_ALL: 'C' },
    });
    if (!result.failed) return { stdout: result.stdout, stderr: result.stderr };
    const stderr = result.stderr ?? '';
    const classified = classifyFailure({
      command,
      stderr,
      isMissingBinary: result.code === 'ENOENT',
    });
    if (classified) throw classified;
    throw new NetcoreError({
      code: result.timedOut ? 'TIMEOUT' : 'COMMAND_FAILED',
      reason: `${formatCommand(command)} failed: ${stderr.trim() || result.shortMessage}`,
      command: formatCommand(command),
      cause: result,
    });
  },
});
