import { NetcoreError } from '../errors.js';
import { type Command, type CommandResult, formatCommand, namespacePath } from './command.js';
import { type createNamespacePool, isNamespaceOf, type WaitingIp } from './namespace-pool.js';

type Named = { waiting: WaitingIp; naming: Promise<unknown> };

const toLines = (input: string | undefined) => (input ?? '').split('\n').filter((line) => line.trim() !== '');

/**
 * How the runner uses namespaces made ahead of need (see namespace-pool.ts). A `namespace-add` takes a
 * waiting `ip` from the pool and names its namespace with `netns attach NAME PID` on the long-lived `ip`
 * that names namespaces, without waiting for it: the one `ip-batch` that follows is written to the waiting
 * `ip` at the same time, and its answer waits for both. A failed attach fails that batch (the caller rolls
 * back); a waiting `ip` that died before answering leaves its batch to the usual path, in the namespace
 * now named. With the pool empty or a name it cannot take, `netns add` runs as always. A namespace deleted
 * before its batch came (a setup rolled back) ends its waiting `ip`.
 */
export const createPooledNamespaces = ({
  pool,
  runPlainly,
  toBatchError,
}: {
  pool: ReturnType<typeof createNamespacePool>;
  /** How the runner runs any command itself. */
  runPlainly: (command: Command) => Promise<CommandResult>;
  toBatchError: (failure: { command: Command; errors: string[] }) => NetcoreError;
}) => {
  const named = new Map<string, Named>();

  const release = (name: string) => {
    named.get(name)?.waiting.session.close();
    named.delete(name);
  };

  const addNamespace = async (command: Command): Promise<CommandResult> => {
    const name = /^netns add (\S+)$/.exec(command.input?.trim() ?? '')?.[1];
    const waiting = name === undefined || named.has(name) ? undefined : await pool.take();
    if (name === undefined || !waiting) {
      pool.replenish();
      return runPlainly(command);
    }
    const naming = runPlainly({
      ...command,
      kind: 'ip-session',
      input: `netns attach ${name} ${waiting.pid}\n`,
    });
    naming.catch(() => undefined);
    named.set(name, { waiting, naming });
    return { stdout: '', stderr: '', process: 'long-lived' };
  };

  const runBatch = async ({ command, entry }: { command: Command; entry: Named }) => {
    named.delete(command.namespace ?? '');
    const [namingFailure, outcome] = await Promise.all([
      entry.naming.then(
        () => undefined,
        (error: unknown) => error ?? new Error('netns attach failed'),
      ),
      entry.waiting.session.run(toLines(command.input)).then(
        ({ errors }) => ({ errors }),
        () => undefined,
      ),
    ]);
    entry.waiting.session.close();
    pool.replenish();
    if (namingFailure !== undefined) throw namingFailure;
    if (!outcome) {
      // Named by pid: the name must be the waiting ip's namespace, never another process's (a pid used again).
      if (!isNamespaceOf({ waiting: entry.waiting, path: namespacePath(command.namespace ?? '') }))
        throw new NetcoreError({
          code: 'COMMAND_FAILED',
          reason: `the namespace named ${command.namespace} is not the one made for it`,
          command: formatCommand(command),
        });
      return runPlainly(command);
    }
    if (outcome.errors.length > 0) throw toBatchError({ command, errors: outcome.errors });
    return { stdout: '', stderr: '', process: 'long-lived' as const };
  };

  return {
    /** Runs the commands that concern pooled namespaces; undefined for the others. */
    run: (command: Command): Promise<CommandResult> | undefined => {
      if (command.kind === 'namespace-add') return addNamespace(command);
      const entry = command.namespace === undefined ? undefined : named.get(command.namespace);
      if (command.kind === 'ip-batch' && entry) return runBatch({ command, entry });
      if (command.kind === 'ip-session' && command.namespace === undefined)
        for (const line of toLines(command.input)) {
          const deleted = /^netns del (\S+)$/.exec(line.trim())?.[1];
          if (deleted !== undefined) release(deleted);
        }
      return undefined;
    },
    /** Starts filling the pool (after setupNode). */
    prepare: () => pool.fill(),
    close: () => {
      pool.close();
      for (const name of [...named.keys()]) release(name);
    },
  };
};
