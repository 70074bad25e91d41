import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { instanceInterfaceName } from '../names.js';
import { namespacePath, netnsDirectory } from './command.js';
import type { Host } from './host.js';
import { readLinks, runNamespaceBatch } from './links.js';

/**
 * Everything about named network namespaces, for production and the lab alike: where they live (the path
 * is defined in command.ts, beside the command line that enters a namespace by it), which exist, making
 * and removing them, and reading an instance's address from inside its own.
 */
export { namespacePath };

/** Every named namespace of the machine, sorted; none when the directory does not exist yet. */
export const listNamespaces = async () => {
  try {
    return (await readdir(netnsDirectory)).sort();
  } catch {
    return [];
  }
};

export const hasNamespace = (namespace: string) => existsSync(namespacePath(namespace));

let ipv6Support: boolean | undefined;

/** Whether the kernel has IPv6 (not disabled at boot): read once, it does not change while running. */
export const hasIpv6 = () => {
  ipv6Support ??= existsSync('/proc/net/if_inet6');
  return ipv6Support;
};

/** Network namespaces are created from the normal mount namespace (never through `ip -n`), so all can see them. */
export const addNamespace = ({ host, namespaceName }: { host: Host; namespaceName: string }) =>
  runNamespaceBatch({ host, lines: [['netns', 'add', namespaceName]] });

/**
 * An instance's namespace, whose one `ip` batch comes next: the runner may name one made ahead of need
 * (see namespace-pool.ts) instead of making it now.
 */
export const addInstanceNamespace = async ({
  host,
  namespaceName,
}: {
  host: Host;
  namespaceName: string;
}) => {
  await host.runner.run({
    kind: 'namespace-add',
    namespace: undefined,
    file: 'ip',
    args: ['-batch', '-'],
    input: `netns add ${namespaceName}\n`,
  });
};

export const deleteNamespace = ({ host, namespaceName }: { host: Host; namespaceName: string }) =>
  runNamespaceBatch({ host, lines: [['netns', 'del', namespaceName]] });

/** The instance's own address (`a.b.c.d/n` on its eth0), read from inside its namespace. */
export const readInstanceAddress = async ({ host, namespaceName }: { host: Host; namespaceName: string }) => {
  const links = await readLinks({ host, namespace: namespaceName });
  return links.find((link) => link.name === instanceInterfaceName)?.addresses[0];
};
