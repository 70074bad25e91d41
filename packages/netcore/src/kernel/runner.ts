import { execa } from 'execa';
import { NetcoreError } from '../errors.js';
import { createIpSession, type IpSession } from './ip-session.js';
import { createSpareNamespaces } from './spare-namespaces.js';
import { createSpareProcesses } from './spare-processes.js';

/**
 * One command: a binary and plain arguments (never a shell), with optional standard input.
 * `isReusable` marks an `ip ... -batch -` whose process may stay up for the next batch in the same place.
 * `canStartEarly` marks a command that only acts once its input is closed: a process for it may be
 * started before it is needed.
 */
export type Command = {
  file: string;
  args: readonly string[];
  input?: string;
  isReusable?: boolean;
  canStartEarly?: boolean;
};
export type CommandResult = {
  stdout: string;
  stderr: string;
  /** How it ran: a process spawned for it, one kept running, or one started before it was needed. */
  process?: 'spawned' | 'long-lived' | 'started-ahead';
};

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

const isBatch = ({ file, args }: Command) => file === 'ip' && args.at(-2) === '-batch' && args.at(-1) === '-';

const toLines = (input: string | undefined) => (input ?? '').split('\n').filter((line) => line.trim() !== '');

/** The session key of `ip -n NAME -batch -` commands. */
const namespaceKey = (namespace: string) => `-n ${namespace}`;

/**
 * Runs commands with execa; a failure becomes a NetcoreError that keeps the command and its stderr.
 * Reusable `ip` batches go to a long-lived process per place (see ip-session.ts). With `isPrestarting`,
 * the slow starts are made ahead of need: `netns add NAME` is served by a spare namespace (see
 * spare-namespaces.ts), whose process then takes the namespace's first batch, and commands that may
 * start early take a process started before them (see spare-processes.ts).
 */
export const createExecaRunner = ({
  timeoutMs = 30_000,
  isPrestarting = true,
}: {
  timeoutMs?: number;
  isPrestarting?: boolean;
} = {}): CommandRunner => {
  const sessions = new Map<string, IpSession>();
  /** Sessions of spare namespaces given a name: they take that namespace's next batch, then end. */
  const handedOver = new Set<string>();
  const spareNamespaces = createSpareNamespaces();
  const spareProcesses = createSpareProcesses();

  const endHandedOver = (key: string) => {
    if (!handedOver.delete(key)) return;
    sessions.get(key)?.close();
    sessions.delete(key);
  };

  const nameSpareNamespaces = async (lines: string[]) => {
    const named: string[] = [];
    const rewritten = await Promise.all(
      lines.map(async (line) => {
        const namespace = /^netns add (\S+)$/.exec(line)?.[1];
        const spare = namespace && isPrestarting ? await spareNamespaces.take() : undefined;
        if (!namespace || !spare) return line;
        const key = namespaceKey(namespace);
        endHandedOver(key);
        sessions.get(key)?.close();
        sessions.set(key, spare.session);
        handedOver.add(key);
        named.push(key);
        return `netns attach ${namespace} ${spare.pid}`;
      }),
    );
    return { rewritten, named };
  };

  const runInSession = async (command: Command): Promise<CommandResult> => {
    const key = command.args.slice(0, -2).join(' ');
    const lines = toLines(command.input);
    for (const line of lines) {
      const deleted = /^netns (?:del|delete) (\S+)$/.exec(line)?.[1];
      if (deleted) endHandedOver(namespaceKey(deleted));
    }
    const { rewritten, named } = await nameSpareNamespaces(lines);
    const session = sessions.get(key) ?? createIpSession({ args: command.args.slice(0, -2) });
    sessions.set(key, session);
    const isHandedOver = handedOver.has(key);
    const outcome = await session.run(rewritten).then(
      ({ errors }) => ({ errors, failure: undefined }),
      (failure: unknown) => ({ errors: [], failure }),
    );
    if (isHandedOver) endHandedOver(key);
    if (outcome.failure !== undefined) {
      sessions.delete(key);
      // A spare that ended after it was named leaves its namespace named: a process of its own serves it.
      if (isHandedOver) return runOnce({ command, timeoutMs });
      throw new NetcoreError({
        code: 'COMMAND_FAILED',
        reason: `${formatCommand(command)}: ${String(outcome.failure)}`,
        command: formatCommand(command),
        cause: outcome.failure,
      });
    }
    if (outcome.errors.length === 0)
      return { stdout: '', stderr: '', process: isHandedOver ? 'started-ahead' : 'long-lived' };
    // A name that could not be given must not keep pointing at a spare.
    for (const namedKey of named) endHandedOver(namedKey);
    throw toCommandError({
      command,
      stderr: outcome.errors.join('; '),
      isMissingBinary: false,
      isTimedOut: false,
      message: '',
      cause: undefined,
    });
  };

  const runEarlyStarted = async (command: Command): Promise<CommandResult> => {
    const result = await spareProcesses.run({
      file: command.file,
      args: command.args,
      input: command.input ?? '',
      timeoutMs,
    });
    if (result.exitCode === 0)
      return {
        stdout: result.stdout,
        stderr: result.stderr,
        process: result.wasWaiting ? 'started-ahead' : 'spawned',
      };
    throw toCommandError({
      command,
      stderr: result.stderr,
      isMissingBinary: (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT',
      isTimedOut: result.isTimedOut,
      message: result.error?.message ?? `exit code ${result.exitCode}`,
      cause: result.error,
    });
  };

  return {
    run: (command) => {
      if (isBatch(command)) {
        const key = command.args.slice(0, -2).join(' ');
        if (command.isReusable || handedOver.has(key)) return runInSession(command);
      }
      if (command.canStartEarly && isPrestarting) return runEarlyStarted(command);
      return runOnce({ command, timeoutMs });
    },
    close: () => {
      for (const session of sessions.values()) session.close();
      sessions.clear();
      handedOver.clear();
      spareNamespaces.close();
      spareProcesses.close();
    },
  };
};
