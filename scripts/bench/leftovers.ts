import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type CommandRunner, createExecaRunner } from '@kudo/netcore';
import { listNamespaces } from '@kudo/netcore/lab';
import type { Check } from './correctness.js';

/** What a node namespace holds that an instance operation could leave behind. */
export type NodeState = {
  namespaces: string[];
  links: string[];
  veths: string[];
  routes: string[];
  rules: string[];
  /** User-defined chains; built-in ones only show that their table exists (see `tables`). */
  chains: string[];
  /** iptables tables in use (nf_tables creates a table, with its built-in chains, on first use). */
  tables: string[];
  ipamFiles: string[];
  /** Forwarding, which setting up a node turns on (`net.ipv4.ip_forward=1`). */
  sysctls: string[];
};

export type Leftovers = NodeState;

type RawLink = { ifname: string; linkinfo?: { info_kind?: string } };
type RawRoute = { dst: string; dev?: string; gateway?: string };

const listFiles = async (directory: string): Promise<string[]> => {
  try {
    const entries = await readdir(directory, { withFileTypes: true, recursive: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
      .sort();
  } catch {
    return [];
  }
};

/** Tables, user chains as `family table CHAIN` and rules as `family table -A ...`, from iptables-save. */
const parseSave = ({ family, output }: { family: string; output: string }) => {
  const tables: string[] = [];
  const rules: string[] = [];
  const chains: string[] = [];
  let table = '';
  for (const line of output.split('\n')) {
    if (line.startsWith('*')) {
      table = `${family} ${line.slice(1).trim()}`;
      tables.push(table);
    } else if (line.startsWith(':')) {
      const [name = '', policy] = line.slice(1).split(' ');
      if (policy === '-') chains.push(`${table} ${name}`);
    } else if (line.startsWith('-A ')) rules.push(`${table} ${line}`);
  }
  return { tables, rules, chains };
};

/** Reads the node's links, routes, iptables (v4 and v6), the lab's namespaces and the IPAM files. */
export const readNodeState = async ({
  nodeNamespace,
  labPrefix,
  ipamDirectory,
  runner = createExecaRunner(),
}: {
  nodeNamespace: string;
  labPrefix: string;
  ipamDirectory?: string;
  runner?: CommandRunner;
}): Promise<NodeState> => {
  const inNode = (file: string, args: string[] = []) =>
    runner.run({ file: 'nsenter', args: [`--net=/run/netns/${nodeNamespace}`, '--', file, ...args] });
  const [links, routes, save4, save6, forwarding, namespaces, ipamFiles] = await Promise.all([
    runner.run({ file: 'ip', args: ['-n', nodeNamespace, '-j', '-d', 'link', 'show'] }),
    runner.run({ file: 'ip', args: ['-n', nodeNamespace, '-j', '-4', 'route', 'show', 'table', 'all'] }),
    inNode('iptables-save'),
    inNode('ip6tables-save'),
    inNode('sysctl', ['net.ipv4.ip_forward']),
    listNamespaces(),
    ipamDirectory ? listFiles(ipamDirectory) : Promise.resolve([]),
  ]);
  const rawLinks = JSON.parse(links.stdout || '[]') as RawLink[];
  const rawRoutes = JSON.parse(routes.stdout || '[]') as RawRoute[];
  const v4 = parseSave({ family: 'ipv4', output: save4.stdout });
  const v6 = parseSave({ family: 'ipv6', output: save6.stdout });
  return {
    namespaces: namespaces.filter((name) => name.startsWith(`${labPrefix}-`)),
    links: rawLinks.map((link) => link.ifname),
    veths: rawLinks.filter((link) => link.linkinfo?.info_kind === 'veth').map((link) => link.ifname),
    routes: rawRoutes.map((route) => `${route.dst} ${route.gateway ?? ''} ${route.dev ?? ''}`.trim()),
    rules: [...v4.rules, ...v6.rules],
    chains: [...v4.chains, ...v6.chains],
    tables: [...v4.tables, ...v6.tables],
    ipamFiles,
    sysctls: [forwarding.stdout.trim().replace(/\s+/g, '')],
  };
};

const added = (before: readonly string[], after: readonly string[]) => {
  const remaining = [...before];
  return after.filter((item) => {
    const index = remaining.indexOf(item);
    if (index === -1) return true;
    remaining.splice(index, 1);
    return false;
  });
};

/** Everything present after a teardown that was not there before (a multiset difference, so duplicates count). */
export const findLeftovers = ({ before, after }: { before: NodeState; after: NodeState }): Leftovers => ({
  namespaces: added(before.namespaces, after.namespaces),
  links: added(before.links, after.links),
  veths: added(before.veths, after.veths),
  routes: added(before.routes, after.routes),
  rules: added(before.rules, after.rules),
  chains: added(before.chains, after.chains),
  tables: added(before.tables, after.tables),
  ipamFiles: added(before.ipamFiles, after.ipamFiles),
  sysctls: added(before.sysctls, after.sysctls),
});

/** Every leftover once (veths are links too, so they are not added again). */
export const countLeftovers = ({ veths: _veths, ...leftovers }: Leftovers) =>
  Object.values(leftovers).reduce((total, items) => total + items.length, 0);

/** `2 rules, 1 chain`, or `none`. Veths are counted inside links, so they are not added twice. */
export const describeLeftovers = (leftovers: Leftovers) => {
  const parts = [
    [leftovers.namespaces.length, 'namespace'],
    [leftovers.veths.length, 'veth'],
    [leftovers.links.length - leftovers.veths.length, 'other link'],
    [leftovers.routes.length, 'route'],
    [leftovers.rules.length, 'rule'],
    [leftovers.chains.length, 'chain'],
    [leftovers.tables.length, 'iptables table'],
    [leftovers.ipamFiles.length, 'IPAM file'],
    [leftovers.sysctls.length, 'changed sysctl'],
  ] as const;
  const text = parts
    .filter(([count]) => count > 0)
    .map(([count, noun]) => `${count} ${noun}${count === 1 ? '' : 's'}`)
    .join(', ');
  return text || 'none';
};

/**
 * The check that an operation left nothing behind: it fails on any leftover of `counted` (by default all of
 * them; a caller leaves out what is reported but is no leak) and names them all.
 */
export const checkNoLeftovers = ({
  scope,
  label,
  leftovers,
  counted = leftovers,
}: {
  scope: string;
  label: string;
  leftovers: Leftovers;
  counted?: Leftovers;
}): Check => ({ scope, label, isOk: countLeftovers(counted) === 0, detail: describeLeftovers(leftovers) });
