import type { CommandRunner } from '../kernel/command.js';
import { readLinks, readRoutes } from '../kernel/links.js';
import { listNamespaces } from '../kernel/namespaces.js';
import { createExecaRunner } from '../kernel/runner.js';
import { parseIptablesSave } from '../kernel/saved-rules.js';

/**
 * What the kernel holds for a host namespace, in a form two snapshots can be compared with: links with
 * their addresses, routes, every iptables rule and chain (not only ours), forwarding, and namespaces.
 */
const builtInChains = new Set(['INPUT', 'FORWARD', 'OUTPUT', 'PREROUTING', 'POSTROUTING']);
const isUserChain = (chain: string) => !builtInChains.has(chain);

export const snapshotKernel = async ({
  namespace,
  runner = createExecaRunner(),
}: {
  namespace: string;
  runner?: CommandRunner;
}) => {
  const host = { namespace, namespacePrefix: namespace, runner };
  const [links, routes, save, forwarding, namespaces] = await Promise.all([
    readLinks({ host }),
    readRoutes({ host }),
    runner.run({ namespace, file: 'iptables-save', args: [] }),
    runner.run({ namespace, file: 'sysctl', args: ['-n', 'net.ipv4.ip_forward'] }),
    listNamespaces(),
  ]);
  const tables = parseIptablesSave(save.stdout);
  return {
    links: links.map(({ name, kind, master, alias, mtu, isUp, addresses }) => ({
      name,
      kind,
      master,
      alias,
      mtu,
      isUp,
      addresses,
    })),
    routes,
    // User-defined chains only: the built-in ones appear, empty, once any iptables-nft command touched a table.
    chains: {
      filter: [...tables.chains.filter].filter(isUserChain).sort(),
      nat: [...tables.chains.nat].filter(isUserChain).sort(),
    },
    rules: tables.rules.map((rule) => `${rule.table} ${rule.line}`),
    forwarding: forwarding.stdout.trim(),
    namespaces: namespaces.filter((name) => name.startsWith(`${namespace}-`)),
  };
};

export type KernelSnapshot = Awaited<ReturnType<typeof snapshotKernel>>;
