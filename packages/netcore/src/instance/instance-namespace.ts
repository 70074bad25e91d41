import { existsSync } from 'node:fs';
import type { Host } from '../kernel/host.js';
import { namespacePath } from '../kernel/host.js';
import { readLinks, runNamespaceBatch } from '../kernel/links.js';
import { getNamespaceName, getVethName, instanceInterfaceName } from '../names.js';

export const getInstanceNames = ({ host, instanceId }: { host: Host; instanceId: string }) => ({
  namespaceName: getNamespaceName(instanceId, { prefix: host.namespacePrefix }),
  vethName: getVethName(instanceId),
});

export const hasNamespace = (namespaceName: string) => existsSync(namespacePath(namespaceName));

/** Network namespaces are created from the normal mount namespace (never through `ip -n`), so all can see them. */
export const addNamespace = ({ host, namespaceName }: { host: Host; namespaceName: string }) =>
  runNamespaceBatch({ host, lines: [['netns', 'add', namespaceName]] });

export const deleteNamespace = ({ host, namespaceName }: { host: Host; namespaceName: string }) =>
  runNamespaceBatch({ host, lines: [['netns', 'del', namespaceName]] });

/** The instance's own address (`a.b.c.d/n` on its eth0), read from inside its namespace. */
export const readInstanceAddress = async ({ host, namespaceName }: { host: Host; namespaceName: string }) => {
  const links = await readLinks({ host, namespace: namespaceName });
  return links.find((link) => link.name === instanceInterfaceName)?.addresses[0];
};
