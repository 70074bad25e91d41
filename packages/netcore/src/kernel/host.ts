import type { Command, CommandRunner } from './runner.js';

/**
 * Where netcore acts. `namespace` undefined means the current (node's own) network namespace;
 * in tests and the lab it names a simulated node's namespace, and every command runs inside it.
 */
export type Host = {
  namespace: string | undefined;
  /** Prefix of the instance namespaces this node owns. */
  namespacePrefix: string;
  runner: CommandRunner;
};

export const namespacePath = (namespace: string) => `/run/netns/${namespace}`;

/** `ip` acting in the host namespace (`ip -n NS`), or in a given namespace. */
export const ipCommand = ({
  namespace,
  args,
  input,
}: {
  namespace: string | undefined;
  args: readonly string[];
  input?: string;
}): Command => ({
  file: 'ip',
  args: namespace ? ['-n', namespace, ...args] : [...args],
  ...(input === undefined ? {} : { input }),
});

/** Any other binary (iptables, sysctl, conntrack) entered into the namespace with nsenter. */
export const namespacedCommand = ({
  namespace,
  file,
  args,
  input,
}: {
  namespace: string | undefined;
  file: string;
  args: readonly string[];
  input?: string;
}): Command => {
  const base = namespace
    ? { file: 'nsenter', args: [`--net=${namespacePath(namespace)}`, '--', file, ...args] }
    : { file, args: [...args] };
  return input === undefined ? base : { ...base, input };
};
