import { parseHostCidr } from '../addressing.js';
import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { runIpBatch, runNamespaceBatch } from '../kernel/links.js';
import { mapWithLimit } from '../kernel/map-with-limit.js';
import { invertScript, type RestoreScript } from '../kernel/restore-script.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { readNodeConfig } from '../node/read-node.js';
import { assertHostPortsFree } from '../port-mappings/apply-port-mappings.js';
import { flushUdpFlows } from '../port-mappings/conntrack.js';
import { renderPortMappingsScript } from '../port-mappings/port-mapping-rules.js';
import { ZSetupInstancesRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { renderInstanceNamespaceLines, renderVethLines } from './instance-links.js';
import { getInstanceNames, hasNamespace } from './instance-namespace.js';
import { deleteVeth } from './instance-veth.js';
import { setupInstance } from './setup-instance.js';

/** How many instance namespaces are configured at once (each needs a process of its own). */
const parallelism = 4;

/**
 * Sets up many instances of a node in bulk, as after a reboot: one batch creates every namespace, one
 * every veth pair, one iptables transaction every port mapping; only each instance's own side needs a
 * process of its own. Instances whose namespace exists are repaired one by one. All or nothing: a
 * failure rolls back every instance this call created.
 */
export const setupInstances = async ({ host, request }: { host: Host; request: unknown }) => {
  const { nodeId, nodeIpAddr, instances } = parseInput({ schema: ZSetupInstancesRequest, input: request });
  const [{ config, links }, tables] = await Promise.all([
    readNodeConfig({ host, nodeId }),
    readIptables({ host }),
  ]);
  if (nodeIpAddr !== config.nodeIpAddr)
    throw new NetcoreError({
      code: 'INVALID_INPUT',
      field: 'nodeIpAddr',
      reason: `node '${nodeId}' has address ${config.nodeIpAddr}, not ${nodeIpAddr}`,
    });
  instances.forEach(({ instanceId, instanceIpCidr, ports }, index) => {
    if (parseHostCidr(instanceIpCidr).network !== config.subnet)
      throw new NetcoreError({
        code: 'INVALID_INPUT',
        field: `instances.${index}.instanceIpCidr`,
        reason: `must be in the node's network ${config.subnet} with the same prefix`,
      });
    try {
      assertHostPortsFree({ saved: tables, instanceId, ports });
    } catch (error) {
      throw error instanceof NetcoreError
        ? new NetcoreError({
            code: error.code,
            field: `instances.${index}.${error.field}`,
            reason: error.reason,
          })
        : error;
    }
  });
  const named = instances.map((instance) => ({
    ...instance,
    ...getInstanceNames({ host, instanceId: instance.instanceId }),
  }));
  const fresh = named.filter(({ namespaceName }) => !hasNamespace(namespaceName));
  const existing = named.filter(({ namespaceName }) => hasNamespace(namespaceName));
  const uplinkMtu = links.find((link) => link.name === config.uplinkInterface)?.mtu ?? 1500;
  const undo = createUndoStack();
  await undo.guard(async () => {
    undo.push('delete namespaces', () =>
      runNamespaceBatch({
        host,
        lines: fresh
          .filter(({ namespaceName }) => hasNamespace(namespaceName))
          .map(({ namespaceName }) => ['netns', 'del', namespaceName]),
      }),
    );
    await runNamespaceBatch({
      host,
      lines: fresh.map(({ namespaceName }) => ['netns', 'add', namespaceName]),
    });
    undo.push('delete veths', async () => {
      await Promise.all(fresh.map(({ vethName }) => deleteVeth({ host, vethName })));
    });
    const stale = fresh.filter(({ vethName }) => links.some((link) => link.name === vethName));
    await runIpBatch({
      host,
      lines: [
        ...stale.map(({ vethName }) => ['link', 'del', vethName]),
        ...fresh.flatMap(({ instanceId, namespaceName, vethName }) =>
          renderVethLines({
            vethName,
            bridgeName: config.bridgeName,
            namespaceName,
            mtu: uplinkMtu,
            instanceId,
            isIsolated: config.isolation === 'instances',
          }),
        ),
      ],
    });
    const script: RestoreScript = {
      declaredChains: [],
      changes: fresh.flatMap(
        ({ instanceId, instanceIpCidr, ports }) =>
          renderPortMappingsScript({
            saved: tables,
            instanceId,
            instanceAddr: parseHostCidr(instanceIpCidr).address,
            ports,
          }).script.changes,
      ),
    };
    const rules = (async () => {
      await applyRestoreScript({ host, script });
      undo.push('delete port mappings', () => applyRestoreScript({ host, script: invertScript(script) }));
    })();
    const namespaces = mapWithLimit({
      items: fresh,
      limit: parallelism,
      work: ({ namespaceName, instanceIpCidr }) =>
        runIpBatch({
          host,
          namespace: namespaceName,
          lines: renderInstanceNamespaceLines({ instanceIpCidr, nodeIpAddr: config.nodeIpAddr }),
        }),
    });
    const results = await Promise.allSettled([rules, namespaces]);
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    await flushUdpFlows({
      host,
      mappings: fresh.flatMap(({ instanceId, instanceIpCidr, ports }) =>
        ports.map((port) => ({ ...port, instanceId, instanceAddr: parseHostCidr(instanceIpCidr).address })),
      ),
    });
  });
  for (const { instanceId, instanceIpCidr, ports } of existing)
    await setupInstance({ host, request: { nodeId, nodeIpAddr, instanceId, instanceIpCidr, ports } });
  return {
    created: fresh.length,
    repaired: existing.length,
    namespaces: named.map(({ instanceId, namespaceName }) => ({ instanceId, namespaceName })),
  };
};
