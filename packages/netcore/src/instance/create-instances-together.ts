import type { Host } from '../kernel/host.js';
import { readIptablesCached } from '../kernel/iptables.js';
import { readNodeConfigCached } from '../node/read-node.js';
import { formatPortKey } from '../port-mappings/port-mapping-rules.js';
import type { TPort } from '../schemas.js';
import { applyInstances, type NodeState } from './setup-instances.js';

/** A new instance whose request has been checked on its own, with its namespace and veth names. */
type CheckedInstance = {
  host: Host;
  input: { nodeId: string; nodeIpAddr: string; instanceId: string; instanceIpCidr: string; ports: TPort[] };
  namespaceName: string;
  vethName: string;
};

/**
 * Which instances of a group can go through one bulk transaction: those of the group's first node that
 * repeat no namespace and no host port of an earlier one. The others run alone afterwards, where the
 * usual checks give their callers the usual errors (a host port taken by the instance before them).
 */
const splitGroup = <T extends CheckedInstance>({ instances }: { instances: readonly T[] }) => {
  const [first] = instances;
  const namespaces = new Set<string>();
  const hostPorts = new Set<string>();
  const isTogether = instances.map(({ input, namespaceName }) => {
    const keys = input.ports.map(formatPortKey);
    const fits =
      input.nodeId === first?.input.nodeId &&
      input.nodeIpAddr === first.input.nodeIpAddr &&
      !namespaces.has(namespaceName) &&
      keys.every((key) => !hostPorts.has(key));
    if (!fits) return false;
    namespaces.add(namespaceName);
    for (const key of keys) hostPorts.add(key);
    return true;
  });
  return { isTogether, together: instances.filter((_, index) => isTogether[index]) };
};

/**
 * The node as netcore knows it, as a lone new instance's setup uses it: no kernel reads. Every instance of
 * the group was new when it was checked, so no link of theirs is known; a veth left behind under one of
 * their names makes the bulk step fail, and each call then runs alone, where it is replaced.
 */
const readKnownState = async ({ host, nodeId }: { host: Host; nodeId: string }): Promise<NodeState> => {
  const [{ config, uplinkMtu }, tables] = await Promise.all([
    readNodeConfigCached({ host, nodeId }),
    readIptablesCached({ host }),
  ]);
  return { config, uplinkMtu, links: [], tables };
};

/**
 * Sets up a group of new instances that arrived together, as setupInstances does a node's (one batch
 * names the namespaces, one process configures them, one batch attaches the veths, one iptables
 * transaction sets every port mapping). The bulk step is all or nothing: when it fails it has rolled
 * back everything it made and throws, and the group commit then runs each call alone (`runOne`), so a
 * failure costs only the call it belongs to.
 */
export const createInstancesTogether = async <T extends CheckedInstance>({
  instances,
  runOne,
}: {
  instances: readonly T[];
  runOne: (instance: T) => Promise<void>;
}): Promise<PromiseSettledResult<void>[]> => {
  const { isTogether, together } = splitGroup({ instances });
  const [first] = together;
  if (first)
    await applyInstances({
      host: first.host,
      state: await readKnownState({ host: first.host, nodeId: first.input.nodeId }),
      input: {
        nodeId: first.input.nodeId,
        nodeIpAddr: first.input.nodeIpAddr,
        instances: together.map(({ input: { instanceId, instanceIpCidr, ports } }) => ({
          instanceId,
          instanceIpCidr,
          ports,
        })),
      },
    });
  const apart = instances.filter((_, index) => !isTogether[index]);
  // One after the other: two of them may want the same host port, and the second must see the first's.
  const apartOutcomes: PromiseSettledResult<void>[] = [];
  for (const instance of apart)
    apartOutcomes.push(
      await runOne(instance).then(
        (): PromiseSettledResult<void> => ({ status: 'fulfilled', value: undefined }),
        (reason: unknown): PromiseSettledResult<void> => ({ status: 'rejected', reason }),
      ),
    );
  let next = 0;
  return instances.map((_, index): PromiseSettledResult<void> => {
    if (isTogether[index]) return { status: 'fulfilled', value: undefined };
    const outcome = apartOutcomes[next] as PromiseSettledResult<void>;
    next += 1;
    return outcome;
  });
};
