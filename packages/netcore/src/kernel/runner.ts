import { execa } from 'execa';
import { NetcoreError } from '../errors.js';
import { createIpSession, type IpSession } from './ip-session.js';

/**
 * One command: a binary and plain arguments (never a shell), with optional standard input.
 * `isReusable` marks an `ip ... -batch -` whose process may stay up for the next batch in the same place.
 */
export type Command = { file: string; args: readonly string[]; input?: string; isReusable?: boolean };
export type CommandResult = { stdout: string; stderr: string };

/** The only door from netcore to the machine. Tests swap it to inject faults or record commands. */
export type CommandRunner = {
  run: (command: Command) => Promise<CommandResult>;
  /** Ends the processes kept for reuse (they also end by themselves when idle). */
  close?: () => void;
};

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

const runOnce = async ({
  command,
  timeoutMs,
}: {
  command: Command;
  timeoutMs: number;
}): Promise<CommandResult> => {
  const result = await execa(command.file, command.args, {
    input: command.input,
    reject: false,
    timeout: timeoutMs,
    stripFinalNewline: false,
    env: { LC_ALL: 'C' },
  });
  if (!result.failed) return { stdout: result.stdout, stderr: result.stderr };
  const stderr = result.stderr ?? '';
  const classified = classifyFailure({ command, stderr, isMissingBinary: result.code === 'ENOENT' });
  if (classified) throw classified;
  throw new NetcoreError({
    code: result.timedOut ? 'TIMEOUT' : 'COMMAND_FAILED',
    reason: `${formatCommand(command)} failed: ${stderr.trim() || result.shortMessage}`,
    command: formatCommand(command),
    cause: result,
  });
};

const isBatch = ({ file, args }: Command) => file === 'ip' && args.at(-2) === '-batch' && args.at(-1) === '-';

/**
 * Runs commands with execa; a failure becomes a NetcoreError that keeps the command and its stderr.
 * Reusable `ip` batches go to a long-lived process per place (see ip-session.ts).
 */
export const createExecaRunner = ({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): CommandRunner => {
  const sessions = new Map<string, IpSession>();
  const runInSession = async (command: Command): Promise<CommandResult> => {
    const args = command.args.slice(0, -2);
    const key = args.join(' ');
    const session = sessions.get(key) ?? createIpSession({ args });
    sessions.set(key, session);
    const lines = (command.input ?? '').split('\n').filter((line) => line.trim() !== '');
    const { errors } = await session.run(lines).catch((error: unknown) => {
      sessions.delete(key);
      throw new NetcoreError({
        code: 'COMMAND_FAILED',
        reason: `${formatCommand(command)}: ${String(error)}`,
        command: formatCommand(command),
        cause: error,
      });
    });
    if (errors.length === 0) return { stdout: '', stderr: '' };
    const stderr = errors.join('; ');
    throw (
      classifyFailure({ command, stderr, isMissingBinary: false }) ??
      new NetcoreError({
        code: 'COMMAND_FAILED',
        reason: `${formatCommand(command)} failed: ${stderr}`,
        command: formatCommand(command),
      })
    );
  };
  return {
    run: (command) =>
      command.isReusable && isBatch(command) ? runInSession(command) : runOnce({ command, timeoutMs }),
    close: () => {
      for (const session of sessions.values()) session.close();
      sessions.clear();
    },
  };
};
