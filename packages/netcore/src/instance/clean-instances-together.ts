import { isNetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, withRuleModel } from '../kernel/iptables.js';
import { runIpBatch, runNamespaceBatch } from '../kernel/links.js';
import { hasNamespace } from '../kernel/namespaces.js';
import { getHostCache } from '../node/host-cache.js';
import { flushUdpFlows } from '../port-mappings/conntrack.js';
import { deleteNftPortMappings } from '../port-mappings/nft-port-mappings.js';
import { isNftablesNode } from '../port-mappings/port-backend.js';
import { renderPortMappingsScripts } from '../port-mappings/port-mapping-rules.js';
import { forgetInstanceAddress } from './instance-addresses.js';
import { getInstanceNames } from './instance-namespace.js';

/** An instance to remove, as its request gives it (checked on its own before it joined a group). */
export type InstanceToClean = { host: Host; instanceId: string; isExternal: boolean };

/**
 * The link group (`ip link set ... group N`) the veths of a group are put in to be deleted with one
 * request: the kernel then unregisters them all at once and waits for one RCU grace period, not one each
 * (100 pairs: 50 ms instead of 1.8 s). Nothing else of the node uses it; a veth left in it by a failed
 * group was being deleted anyway.
 */
export const cleaningLinkGroup = '1802855791';

const isGoneMessage = (message: string) => /Cannot find device|does not exist|No such device/.test(message);

/** How many lines of a failed batch failed because their device was gone; undefined when any other did. */
const countGoneLines = (error: unknown) => {
  if (!isNetcoreError(error)) return undefined;
  const failures = error.reason.split(/; (?=line \d+:)/);
  return failures.every(isGoneMessage) ? failures.length : undefined;
};

/** Deletes the host-side veths (and so their peers) in one kernel request; veths already gone are fine. */
const deleteVethsTogether = async ({ host, vethNames }: { host: Host; vethNames: readonly string[] }) => {
  let goneCount = 0;
  try {
    await runIpBatch({
      host,
      lines: vethNames.map((name) => ['link', 'set', 'dev', name, 'group', cleaningLinkGroup]),
    });
  } catch (error) {
    const count = countGoneLines(error);
    if (count === undefined) throw error;
    goneCount = count;
  }
  if (goneCount >= vethNames.length) return;
  await runIpBatch({ host, lines: [['link', 'del', 'group', cleaningLinkGroup]] }).catch((error: unknown) => {
    if (countGoneLines(error) === undefined) throw error;
  });
};

/** Deletes every instance's port rules, found by their tags, in one transaction. */
const deletePortMappingsTogether = async ({
  host,
  instanceIds,
}: {
  host: Host;
  instanceIds: readonly string[];
}) => {
  if (await isNftablesNode({ host })) return deleteNftPortMappings({ host, instanceIds });
  const removed = await withRuleModel({
    host,
    work: async (tables) => {
      const { script, removed } = renderPortMappingsScripts({
        saved: tables,
        instances: instanceIds.map((instanceId) => ({ instanceId, instanceAddr: '', ports: [] })),
      });
      await applyRestoreScript({ host, script });
      return removed;
    },
  });
  await flushUdpFlows({ host, mappings: removed });
};

/**
 * Removes a group of instances that arrived together, as cleanInstance does one: one iptables
 * transaction for all their port rules, one request deleting all their veth pairs, one batch deleting
 * their namespaces, at once. Every step is idempotent, so when one fails this throws and the group commit
 * cleans each instance alone, giving each caller its own outcome.
 */
export const cleanInstancesTogether = async ({
  instances,
}: {
  instances: readonly InstanceToClean[];
}): Promise<PromiseSettledResult<void>[]> => {
  const [first] = instances;
  if (!first) return [];
  const { host } = first;
  const named = instances.map((instance) => ({
    ...instance,
    ...getInstanceNames({ host, instanceId: instance.instanceId }),
  }));
  const { instanceAddrs } = getHostCache(host);
  for (const { instanceId } of named) instanceAddrs.delete(instanceId);
  const results = await Promise.allSettled([
    deletePortMappingsTogether({
      host,
      instanceIds: [...new Set(named.map(({ instanceId }) => instanceId))],
    }),
    deleteVethsTogether({ host, vethNames: [...new Set(named.map(({ vethName }) => vethName))] }),
    runNamespaceBatch({
      host,
      lines: [
        ...new Set(
          named
            .filter(({ isExternal, namespaceName }) => !isExternal && hasNamespace(namespaceName))
            .map(({ namespaceName }) => namespaceName),
        ),
      ].map((namespaceName) => ['netns', 'del', namespaceName]),
    }),
  ]);
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  for (const { namespaceName, isExternal } of named)
    forgetInstanceAddress({ host, namespaceName, isExternal });
  return named.map(() => ({ status: 'fulfilled', value: undefined }));
};
