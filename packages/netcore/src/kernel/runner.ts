import { execa } from 'execa';
import { NetcoreError } from '../errors.js';
import {
  type Command,
  type CommandResult,
  type CommandRunner,
  formatCommand,
  toCommandLine,
} from './command.js';
import { canStartLiterally, createExecSessions } from './exec-sessions.js';
import { createIpSession, type IpSession } from './ip-session.js';

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
  const { file, args } = toCommandLine(command);
  const result = await execa(file, args, {
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

const toLines = (input: string | undefined) => (input ?? '').split('\n').filter((line) => line.trim() !== '');

/**
 * What a long-lived starter can run (see exec-sessions.ts): a one-off `ip` batch in a named namespace (run
 * as `ip -force -batch FILE` there), or a program that reads its input from a file, in a named namespace
 * or the runner's own; only when every word of it is plain.
 */
const toExecForm = ({ kind, namespace, file, args }: Command) => {
  const form =
    kind === 'ip-batch' && namespace
      ? { namespace, file: 'ip', args: ['-force', '-batch'] }
      : kind === 'reads-input-file'
        ? { namespace, file, args }
        : undefined;
  return form && canStartLiterally(form) ? form : undefined;
};

/**
 * Runs commands; a failure becomes a NetcoreError that keeps the command and its stderr. Node spawns as
 * little as it can, since each spawn blocks its event loop for milliseconds, and chooses how from the
 * command's kind and namespace (see command.ts): `ip-session` batches go to a long-lived process per place
 * (see ip-session.ts), and one-off batches in a named namespace and input-reading commands are started by
 * long-lived starters, with `nsenter --net` in a named namespace (see exec-sessions.ts). Only the rest
 * (reads, other commands) spawn, through execa.
 */
export const createExecaRunner = ({
  timeoutMs = 30_000,
  isExecThroughStarters = true,
}: {
  timeoutMs?: number;
  /** False: every command but an `ip-session` batch is spawned from Node (for comparison). */
  isExecThroughStarters?: boolean;
} = {}): CommandRunner => {
  const sessions = new Map<string, IpSession>();
  const execSessions = createExecSessions({ idleMs: sessionIdleMs });

  const runInSession = async (command: Command, isRetry = false): Promise<CommandResult> => {
    const key = command.namespace ?? '';
    const session =
      sessions.get(key) ??
      createIpSession({ args: command.namespace ? ['-n', command.namespace] : [], idleMs: sessionIdleMs });
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

  const runThroughStarter = async ({
    command,
    form,
  }: {
    command: Command;
    form: { namespace: string | undefined; file: string; args: readonly string[] };
  }): Promise<CommandResult> => {
    const outcome = await execSessions.run({ ...form, input: command.input ?? '' }).then(
      (result) => ({ result, failure: undefined }),
      (failure: unknown) => ({ result: undefined, failure }),
    );
    // A starter that died takes its work with it: the command runs again, spawned.
    if (!outcome.result) return runOnce({ command, timeoutMs });
    const { exitCode, output } = outcome.result;
    if (exitCode === 0) return { stdout: '', stderr: output, process: 'started-by-ip' };
    throw toCommandError({
      command,
      stderr: output.replace(/\nCommand failed \S+:\d+$/, ''),
      isMissingBinary: exitCode === 127 || /failed to execute [^:]*: No such file or directory/.test(output),
      isTimedOut: false,
      message: `exit status ${exitCode}`,
      cause: undefined,
    });
  };

  return {
    run: (command) => {
      if (command.kind === 'ip-session') return runInSession(command);
      const form = isExecThroughStarters ? toExecForm(command) : undefined;
      if (form) return runThroughStarter({ command, form });
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
