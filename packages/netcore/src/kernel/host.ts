import type { CommandRunner } from './command.js';

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
