import { execa } from 'execa';
import { NetcoreError } from '../errors.js';
import {
  type Command,
  type CommandResult,
  type CommandRunner,
  formatCommand,
  namespacePath,
  toCommandLine,
} from './command.js';
import { canStartLiterally, createExecSessions, toWords } from './exec-sessions.js';
import { createFifoStock } from './fifo-pairs.js';
import { createIpSession, type IpSession } from './ip-session.js';
import { createLinkMonitor, type LinkMonitor } from './link-monitor.js';
import { createNamespacePool } from './namespace-pool.js';
import { createPooledNamespaces } from './pooled-namespaces.js';
import { createWaitingCommands } from './waiting-commands.js';

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

/** Long-lived `ip` processes per place that delete links, each held by the kernel 10-25 ms per deletion. */
const deleterCount = 3;

const toLines = (input: string | undefined) => (input ?? '').split('\n').filter((line) => line.trim() !== '');

/**
 * What a long-lived starter can run (see exec-sessions.ts): a one-off `ip` batch in a named namespace (run
 * as `ip -force -batch FILE` there) or in a runtime's namespace known by its path, or a program that reads
 * its input from a file, in a named namespace or the runner's own; only when every word of it is plain.
 */
const toExecForm = ({ kind, namespace, netnsPath, file, args }: Command) => {
  const form =
    kind === 'ip-batch' && netnsPath
      ? // A runtime's namespace: stop at the first failing line, so nothing after it touches the runtime's links.
        { namespace: undefined, netnsPath, file: 'ip', args: ['-batch'] }
      : kind === 'ip-batch' && namespace
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
 * long-lived starters, with `nsenter --net` in a named namespace (see exec-sessions.ts). An instance's
 * namespace and its one batch go to an `ip` waiting in a namespace made ahead of need (see
 * pooled-namespaces.ts), and an iptables-restore to one started ahead of need (see waiting-commands.ts),
 * when there is one. Only the rest (reads, other commands) spawn, through execa.
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
  const monitors = new Map<string, LinkMonitor>();
  const getMonitor = (namespace: string | undefined) => {
    const monitor = monitors.get(namespace ?? '') ?? createLinkMonitor({ namespace, idleMs: sessionIdleMs });
    monitors.set(namespace ?? '', monitor);
    return monitor;
  };

  const runInSession = async (
    command: Command,
    isRetry = false,
    key = command.namespace ?? '',
  ): Promise<CommandResult> => {
    // A place's batches keep its link monitor up (as long as its session), so that a deletion is reported
    // (a monitor started with the deletion is usually too late to see it).
    if (key === (command.namespace ?? '')) getMonitor(command.namespace).prepare();
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
      return runInSession({ ...command, input: `${failedLines.join('\n')}\n` }, true, key);
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

  const fifos = createFifoStock({ starters: execSessions });
  const waitingCommands = createWaitingCommands({ starters: execSessions, fifos, idleMs: sessionIdleMs });
  let isIptablesNft: Promise<boolean> | undefined;

  /**
   * iptables-restore of iptables-nft, on one started ahead of need (see waiting-commands.ts); undefined
   * when none was ready. Never iptables-legacy, which would hold the xtables lock while it waits.
   */
  const runWaiting = async ({
    command,
    form,
  }: {
    command: Command;
    form: { namespace: string | undefined; netnsPath?: string; file: string; args: readonly string[] };
  }) => {
    if (command.kind !== 'reads-input-file' || form.file !== 'iptables-restore' || form.netnsPath) return;
    isIptablesNft ??= execSessions.runWords(['iptables-restore', '--version']).then(
      ({ exitCode, output }) => exitCode === 0 && /nf_tables/.test(output),
      () => false,
    );
    if (!(await isIptablesNft)) return;
    return waitingCommands.run({
      words: toWords(form),
      entered: form.namespace === undefined ? undefined : namespacePath(form.namespace),
      input: command.input ?? '',
    });
  };

  const runThroughStarter = async ({
    command,
    form,
  }: {
    command: Command;
    form: { namespace: string | undefined; netnsPath?: string; file: string; args: readonly string[] };
  }): Promise<CommandResult> => {
    const waiting = await runWaiting({ command, form });
    const outcome = waiting
      ? { result: waiting }
      : await execSessions.run({ ...form, input: command.input ?? '' }).then(
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

  /** Deletions under way per session of a place (`place#deleter#N`): the least busy takes the next one. */
  const deletions = new Map<string, number>();

  /** See `ip-link-delete` in command.ts: the first of the kernel's report and the command's own answer. */
  const runLinkDelete = async (command: Command): Promise<CommandResult> => {
    const name = /^link del (?:dev )?(\S+)\s*$/.exec(command.input?.trim() ?? '')?.[1];
    if (name === undefined) return runInSession({ ...command, kind: 'ip-session' });
    const place = command.namespace ?? '';
    const monitor = getMonitor(command.namespace);
    const keys = Array.from({ length: deleterCount }, (_, index) => `${place}#deleter#${index}`);
    const key = keys.reduce((best, each) =>
      (deletions.get(each) ?? 0) < (deletions.get(best) ?? 0) ? each : best,
    );
    deletions.set(key, (deletions.get(key) ?? 0) + 1);
    const { deleted, cancel } = monitor.waitForDeletion(name);
    const answered = runInSession({ ...command, kind: 'ip-session' }, false, key).finally(() =>
      deletions.set(key, (deletions.get(key) ?? 1) - 1),
    );
    try {
      return await Promise.race([
        answered,
        deleted.then((): CommandResult => ({ stdout: '', stderr: '', process: 'long-lived' })),
      ]);
    } finally {
      cancel();
      // Answered after the report: its outcome changes nothing (the link is gone).
      answered.catch(() => undefined);
    }
  };

  /** Every command but the batch of a namespace named from the pool (see pooled-namespaces.ts). */
  const runPlainly = (command: Command): Promise<CommandResult> => {
    if (command.kind === 'ip-session') return runInSession(command);
    if (command.kind === 'ip-link-delete') return runLinkDelete(command);
    if (command.kind === 'namespace-add') return runInSession({ ...command, kind: 'ip-session' });
    const form = isExecThroughStarters ? toExecForm(command) : undefined;
    if (form) return runThroughStarter({ command, form });
    return runOnce({ command, timeoutMs });
  };

  const pooled = isExecThroughStarters
    ? createPooledNamespaces({
        pool: createNamespacePool({ starters: execSessions, fifos, idleMs: sessionIdleMs }),
        runPlainly,
        toBatchError: ({ command, errors }) =>
          toCommandError({
            command,
            stderr: errors.join('; '),
            isMissingBinary: false,
            isTimedOut: false,
            message: '',
            cause: undefined,
          }),
      })
    : undefined;

  return {
    run: (command) => pooled?.run(command) ?? runPlainly(command),
    close: () => {
      pooled?.close();
      waitingCommands.close();
      fifos.close();
      for (const session of sessions.values()) session.close();
      sessions.clear();
      for (const monitor of monitors.values()) monitor.close();
      monitors.clear();
      execSessions.close();
    },
    prepare: async () => {
      execSessions.prepare();
      // The normal namespace's own `ip` (namespaces are named and removed there), and its link monitor,
      // which its first batch would start (a spawn from Node, in the middle of the first setup).
      getMonitor(undefined).prepare();
      const key = '';
      if (!sessions.has(key)) sessions.set(key, createIpSession({ args: [], idleMs: sessionIdleMs }));
      const named = sessions
        .get(key)
        ?.run([])
        .catch(() => sessions.delete(key));
      // Paid here, not by the first instance: its namespace waiting, the next iptables-restore started.
      await Promise.all([named, pooled?.prepare(), waitingCommands.prepare()]);
    },
  };
};
