import { execa } from 'execa';
import { NetcoreError } from '../errors.js';
import { canTravelOnBatchLine, createExecSessions } from './exec-sessions.js';
import { createIpSession, type IpSession } from './ip-session.js';

/**
 * One command: a binary and plain arguments (never a shell), with optional standard input.
 * `isReusable` marks an `ip ... -batch -` whose process may stay up for the next batch in the same place.
 * `readsInputFile` marks a command that reads its input from a file named as its last argument as well as
 * from standard input (iptables-restore), so a long-lived `ip` can start it (see exec-sessions.ts).
 */
export type Command = {
  file: string;
  args: readonly string[];
  input?: string;
  isReusable?: boolean;
  readsInputFile?: boolean;
};
export type CommandResult = {
  stdout: string;
  stderr: string;
  /** How it ran: a process spawned from Node for it, or written to / started by a long-lived `ip`. */
  process?: 'spawned' | 'long-lived' | 'started-by-ip';
};

/** The only door from netcore to the machine. Tests swap it to inject faults or record commands. */
export type CommandRunner = {
  run: (command: Command) => Promise<CommandResult>;
  /** Ends the processes kept for reuse (they also end by themselves when idle). */
  close?: () => void;
  /** Starts the processes kept for reuse now, so the first operation does not wait for them. */
  prepare?: () => void;
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

const toCommandError = ({
  command,
  stderr,
  isMissingBinary,
  isTimedOut,
  message,
  cause,
}: {
  command: Command;
  stderr: string;
  isMissingBinary: boolean;
  isTimedOut: boolean;
  message: string;
  cause: unknown;
}) =>
  classifyFailure({ command, stderr, isMissingBinary }) ??
  new NetcoreError({
    code: isTimedOut ? 'TIMEOUT' : 'COMMAND_FAILED',
    reason: `${formatCommand(command)} failed: ${stderr.trim() || message}`,
    command: formatCommand(command),
    cause,
  });

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
  if (!result.failed) return { stdout: result.stdout, stderr: result.stderr, process: 'spawned' };
  throw toCommandError({
    command,
    stderr: result.stderr ?? '',
    isMissingBinary: result.code === 'ENOENT',
    isTimedOut: result.timedOut,
    message: result.shortMessage ?? '',
    cause: result,
  });
};

/** How long a long-lived `ip` stays up without work (an idle one costs a few MB; a restart, milliseconds). */
const sessionIdleMs = 60_000;

const isBatch = ({ file, args }: Command) => file === 'ip' && args.at(-2) === '-batch' && args.at(-1) === '-';

const toLines = (input: string | undefined) => (input ?? '').split('\n').filter((line) => line.trim() !== '');

/** The named namespace a command enters (`ip -n NS` or `nsenter --net=/run/netns/NS --`), if any. */
const findNamespace = ({ file, args }: Command) => {
  if (file === 'ip' && args[0] === '-n') return { namespace: args[1], inner: { file, args: args.slice(2) } };
  const net = /^--net=\/run\/netns\/([^/]+)$/.exec(args[0] ?? '')?.[1];
  if (file === 'nsenter' && net && args[1] === '--')
    return { namespace: net, inner: { file: args[2] ?? '', args: args.slice(3) } };
  return undefined;
};

/**
 * The form a long-lived `ip` can start: a batch in a named namespace (`ip -n NS -batch -`, run as
 * `ip -force -batch FILE`), or a command in a named namespace that reads its input from a file.
 */
const toExecForm = (command: Command) => {
  const entered = findNamespace(command);
  if (!entered?.namespace) return undefined;
  const { file, args } = entered.inner;
  if (file === 'ip' && args.length === 2 && isBatch({ file, args }))
    return { namespace: entered.namespace, file, args: ['-force', '-batch'] };
  if (command.readsInputFile && canTravelOnBatchLine([file, ...args]))
    return { namespace: entered.namespace, file, args };
  return undefined;
};

/**
 * Runs commands; a failure becomes a NetcoreError that keeps the command and its stderr. Node spawns as
 * little as it can, since each spawn blocks its event loop for milliseconds: reusable `ip` batches go to a
 * long-lived process per place (see ip-session.ts), and batches or input-reading commands in a named
 * namespace are started by long-lived `ip` processes with `netns exec` (see exec-sessions.ts). Only the
 * rest (reads, commands in the runner's own namespace) spawn, through execa.
 */
export const createExecaRunner = ({
  timeoutMs = 30_000,
  isExecThroughIp = true,
}: {
  timeoutMs?: number;
  /** False: every non-reusable command is spawned from Node (for comparison). */
  isExecThroughIp?: boolean;
} = {}): CommandRunner => {
  const sessions = new Map<string, IpSession>();
  const execSessions = createExecSessions({ idleMs: sessionIdleMs });

  const runInSession = async (command: Command, isRetry = false): Promise<CommandResult> => {
    const key = command.args.slice(0, -2).join(' ');
    const session =
      sessions.get(key) ?? createIpSession({ args: command.args.slice(0, -2), idleMs: sessionIdleMs });
    sessions.set(key, session);
    const lines = toLines(command.input);
    const outcome = await session.run(lines).then(
      ({ errors }) => ({ errors, failure: undefined }),
      (failure: unknown) => ({ errors: [], failure }),
    );
    // `ip` remembers the index of every link it has named. When the kernel removed that link (a reboot, a
    // namespace deleted, someone's `ip link del`) and a new one took the name, a long-lived `ip` still
    // sends the old index and the kernel answers ENODEV. The lines that failed so are run again once, in
    // a new process that asks the kernel afresh (a failed line changed nothing, so this is its first run).
    const stale = outcome.errors.filter((error) => /No such device|Device not found/.test(error));
    if (!isRetry && stale.length > 0) {
      session.close();
      sessions.delete(key);
      const failedLines = outcome.errors.flatMap((error) => {
        const line = lines[Number(/^line (\d+):/.exec(error)?.[1] ?? 0) - 1];
        return line === undefined ? [] : [line];
      });
      return runInSession({ ...command, input: `${failedLines.join('\n')}\n` }, true);
    }
    if (outcome.failure !== undefined) {
      sessions.delete(key);
      throw new NetcoreError({
        code: 'COMMAND_FAILED',
        reason: `${formatCommand(command)}: ${String(outcome.failure)}`,
        command: formatCommand(command),
        cause: outcome.failure,
      });
    }
    if (outcome.errors.length === 0) return { stdout: '', stderr: '', process: 'long-lived' };
    throw toCommandError({
      command,
      stderr: outcome.errors.join('; '),
      isMissingBinary: false,
      isTimedOut: false,
      message: '',
      cause: undefined,
    });
  };

  const runThroughIp = async ({
    command,
    form,
  }: {
    command: Command;
    form: { namespace: string; file: string; args: readonly string[] };
  }): Promise<CommandResult> => {
    const outcome = await execSessions.run({ ...form, input: command.input ?? '' }).then(
      ({ errors }) => ({ errors, failure: undefined }),
      (failure: unknown) => ({ errors: [], failure }),
    );
    // A long-lived `ip` that died takes its work with it: the command runs again, spawned.
    if (outcome.failure !== undefined) return runOnce({ command, timeoutMs });
    if (outcome.errors.length === 0) return { stdout: '', stderr: '', process: 'started-by-ip' };
    const stderr = outcome.errors.join('; ').replace(/^line \d+: /, '');
    throw toCommandError({
      command,
      stderr,
      isMissingBinary: /exec of "[^"]*" failed: No such file or directory/.test(stderr),
      isTimedOut: false,
      message: '',
      cause: undefined,
    });
  };

  return {
    run: (command) => {
      if (command.isReusable && isBatch(command)) return runInSession(command);
      const form = isExecThroughIp ? toExecForm(command) : undefined;
      if (form) return runThroughIp({ command, form });
      return runOnce({ command, timeoutMs });
    },
    close: () => {
      for (const session of sessions.values()) session.close();
      sessions.clear();
      execSessions.close();
    },
    prepare: () => {
      execSessions.prepare();
      // The normal namespace's own `ip` (namespaces are named and removed there).
      const key = '';
      if (!sessions.has(key)) sessions.set(key, createIpSession({ args: [], idleMs: sessionIdleMs }));
      sessions
        .get(key)
        ?.run([])
        .catch(() => sessions.delete(key));
    },
  };
};
