/**
 * What a command is, said where it is built; the runner chooses how to run it from this alone:
 * - `command`: a program with plain arguments, spawned from Node (entered into its namespace, if any);
 * - `ip-batch`: `ip` lines on standard input, for a place that gets one batch (an instance, a lab host);
 *   in a named namespace a long-lived starter runs `ip -force -batch FILE` there, in a runtime's namespace
 *   (`netnsPath`) `ip -batch FILE`, which stops at the first failing line (see exec-sessions.ts);
 * - `ip-session`: `ip` lines for a place that gets batch after batch (a node, the machine's list of
 *   namespaces), written to the long-lived `ip` kept for that place;
 * - `reads-input-file`: a program that reads its input from a file named as its last argument as well as
 *   from standard input (iptables-restore); a long-lived starter runs it;
 * - `ip-link-delete`: one `link del NAME` line for a place that gets batch after batch (a node): answered
 *   as soon as the kernel reports the link deleted (see link-monitor.ts), run by long-lived `ip` processes
 *   of its own so that the place's other batches do not queue behind the kernel's wait that follows;
 * - `namespace-add`: one `netns add NAME` line for an instance's namespace, whose one `ip-batch` follows:
 *   the runner may name instead a fresh namespace made ahead of need, with an `ip` already waiting in it
 *   for that batch (see namespace-pool.ts).
 */
export type CommandKind =
  | 'command'
  | 'ip-batch'
  | 'ip-session'
  | 'reads-input-file'
  | 'ip-link-delete'
  | 'namespace-add';

/** One command: a program and plain arguments (never a shell) as run inside `namespace`, with optional input. */
export type Command = {
  file: string;
  args: readonly string[];
  input?: string;
  /** The named network namespace it acts in; none: the runner's own. */
  namespace?: string | undefined;
  /** A namespace known only by its file (a runtime's `/proc/PID/ns/net`), entered instead of `namespace`. */
  netnsPath?: string | undefined;
  /** `command` when omitted. */
  kind?: CommandKind;
};

export type CommandResult = {
  stdout: string;
  stderr: string;
  /**
   * How it ran: a process spawned from Node for it, written to a long-lived `ip`, or started by a
   * long-lived starter (`started-by-ip`: the name kept from when `ip netns exec` started them).
   */
  process?: 'spawned' | 'long-lived' | 'started-by-ip';
};

/** The only door from netcore to the machine. Tests swap it to inject faults or record commands. */
export type CommandRunner = {
  run: (command: Command) => Promise<CommandResult>;
  /** Ends the processes kept for reuse (they also end by themselves when idle). */
  close?: () => void;
  /**
   * Starts the processes kept for reuse now, so the first operation does not wait for them; settles once
   * they are ready (never rejects).
   */
  prepare?: () => void | Promise<void>;
};

/** Where named network namespaces are bound (what `ip netns` manages). */
export const netnsDirectory = '/run/netns';

/** The file a named namespace is bound to (what `nsenter --net=` and `ip netns` open). */
export const namespacePath = (namespace: string) => `${netnsDirectory}/${namespace}`;

/**
 * The program line that runs a command from the runner's own namespace: `ip -n NS ...` for `ip`, and
 * `nsenter --net=/run/netns/NS -- ...` for any other program (`nsenter --net=PATH` for a `netnsPath`).
 */
export const toCommandLine = ({ file, args, namespace, netnsPath }: Command) => {
  if (netnsPath) return { file: 'nsenter', args: [`--net=${netnsPath}`, '--', file, ...args] };
  if (!namespace) return { file, args: [...args] };
  if (file === 'ip') return { file, args: ['-n', namespace, ...args] };
  return { file: 'nsenter', args: [`--net=${namespacePath(namespace)}`, '--', file, ...args] };
};

export const formatCommand = (command: Command) => {
  const { file, args } = toCommandLine(command);
  return [file, ...args].join(' ');
};

/** `ip` lines as one batch (`ip -batch -`), of the given kind, in `namespace`. */
export const toIpBatchCommand = ({
  namespace,
  lines,
  kind,
}: {
  namespace: string | undefined;
  lines: readonly (readonly string[])[];
  kind: 'ip-batch' | 'ip-session';
}): Command => ({
  kind,
  namespace,
  file: 'ip',
  args: ['-batch', '-'],
  input: `${lines.map((line) => line.join(' ')).join('\n')}\n`,
});

/**
 * `ip` lines as one batch in a namespace known only by its file (a container runtime's
 * `/proc/PID/ns/net`): `nsenter --net=PATH -- ip -batch`, started by a long-lived starter (see runner.ts).
 */
export const toExternalIpBatch = ({
  path,
  lines,
}: {
  path: string;
  lines: readonly (readonly string[])[];
}): Command => ({
  kind: 'ip-batch',
  netnsPath: path,
  file: 'ip',
  args: ['-batch', '-'],
  input: `${lines.map((line) => line.join(' ')).join('\n')}\n`,
});
