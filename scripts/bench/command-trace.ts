import { type Command, type CommandRunner, toCommandLine } from '@kudo/netcore';

/**
 * One command a method ran: during which call of which operation, what kind of command, whether it
 * spawned a process from Node (netcore's runner says when a long-lived ip ran or started it), and when.
 */
export type CommandRecord = {
  operation: string;
  callId: number;
  kind: string;
  isSpawn: boolean;
  start: number;
  end: number;
  ms: number;
};

const innerCommand = ({ file, args }: Command) => {
  if (file !== 'nsenter') return { file, args };
  const separator = args.indexOf('--');
  const [inner = '', ...rest] = separator === -1 ? [] : args.slice(separator + 1);
  return { file: inner, args: rest };
};

const describeIp = ({ args, input }: { args: readonly string[]; input: string | undefined }) => {
  const namespaceIndex = args.indexOf('-n');
  const namespace = namespaceIndex === -1 ? undefined : args[namespaceIndex + 1];
  const words = args.filter(
    (arg, index) => !arg.startsWith('-') && (namespaceIndex === -1 || index !== namespaceIndex + 1),
  );
  const where = namespace === undefined ? '' : namespace.includes('-i-') ? ' (instance ns)' : ' (node ns)';
  if (args.includes('-batch')) {
    const verbs = [
      ...new Set(
        (input ?? '')
          .split('\n')
          .filter(Boolean)
          .map((line) => line.split(' ').slice(0, 2).join(' ')),
      ),
    ];
    return `ip -batch${where}: ${verbs.join(', ')}`;
  }
  if (words[0] === 'netns') return `ip netns ${words[1] ?? ''}`;
  return `ip ${words.slice(0, 2).join(' ')}${where}`;
};

/** A short, stable name for a command, so commands can be counted and timed by kind. */
export const classifyCommand = (command: Command) => {
  const inner = innerCommand(toCommandLine(command));
  const name = inner.file.split('/').pop() ?? inner.file;
  if (name === 'ip') return describeIp({ args: inner.args, input: command.input });
  if (name === 'iptables-restore')
    return /^-[DFX] /m.test(command.input ?? '')
      ? 'iptables-restore (deletes)'
      : 'iptables-restore (adds only)';
  if (name === 'env') {
    const plugin =
      inner.args
        .find((arg) => arg.startsWith('/'))
        ?.split('/')
        .pop() ?? 'plugin';
    const cniCommand = inner.args.find((arg) => arg.startsWith('CNI_COMMAND='))?.split('=')[1] ?? '';
    return `cni ${plugin} ${cniCommand}`;
  }
  if (name === 'iptables') return `iptables ${inner.args.find((arg) => /^-[ADNX]$/.test(arg)) ?? ''}`.trim();
  return name;
};

const suffixes = { spawned: '', 'long-lived': ' [long-lived]', 'started-by-ip': ' [started by ip]' } as const;

/**
 * Wraps a runner so that every command it runs is recorded under the operation call in progress.
 * Calls must not overlap for the attribution to hold (a bulk phase is traced as one call).
 */
export const createCommandTrace = ({ base }: { base: CommandRunner }) => {
  const records: CommandRecord[] = [];
  let operation = 'other';
  let callId = 0;
  const runner: CommandRunner = {
    run: async (command) => {
      const start = performance.now();
      const current = { operation, callId };
      // A failed command tells nothing: a reusable batch went to a long-lived process, anything else is taken as spawned.
      let process: keyof typeof suffixes = command.kind === 'ip-session' ? 'long-lived' : 'spawned';
      try {
        const result = await base.run(command);
        process = result.process ?? 'spawned';
        return result;
      } finally {
        const end = performance.now();
        const kind = `${classifyCommand(command)}${suffixes[process]}`;
        records.push({ ...current, kind, isSpawn: process === 'spawned', start, end, ms: end - start });
      }
    },
    close: () => base.close?.(),
    prepare: () => base.prepare?.(),
  };
  const traced = async <T>({ name, work }: { name: string; work: () => Promise<T> }) => {
    operation = name;
    callId += 1;
    try {
      return await work();
    } finally {
      operation = 'other';
    }
  };
  return { runner, records, traced };
};

export type CommandTrace = ReturnType<typeof createCommandTrace>;
