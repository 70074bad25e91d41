import type { z } from 'zod';
import { parseHostCidr } from '../addressing.js';
import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { type Link, runIpBatch, runNamespaceBatch } from '../kernel/links.js';
import { runBatchesInNamespaces } from '../kernel/namespace-batches.js';
import { hasIpv6, hasNamespace } from '../kernel/namespaces.js';
import { invertScript } from '../kernel/restore-script.js';
import type { SavedTables } from '../kernel/saved-rules.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { getHostCache } from '../node/host-cache.js';
import type { NodeConfig } from '../node/node-config.js';
import { readNodeConfig } from '../node/read-node.js';
import { assertHostPortsFree } from '../port-mappings/apply-port-mappings.js';
import { flushUdpFlows } from '../port-mappings/conntrack.js';
import { applyNftPortMappings } from '../port-mappings/nft-port-mappings.js';
import { renderPortMappingsScripts } from '../port-mappings/port-mapping-rules.js';
import { ZSetupInstancesRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { runChunkPipeline } from './chunk-pipeline.js';
import { reserveInstanceAddresses } from './instance-addresses.js';
import {
  canSilenceIpv6,
  formatNodeNamespaceRef,
  renderBridgeSideLines,
  renderInstanceSideLines,
} from './instance-links.js';
import { getInstanceNames } from './instance-namespace.js';
import { deleteVeth } from './instance-veth.js';

/** Namespaces each chunk of a bulk setup configures at once (see namespace-batches.ts). */
const chunkParallelism = 3;

/** What a bulk setup works from: the node's config, its uplink's MTU, its links and its rules. */
export type NodeState = {
  config: NodeConfig;
  uplinkMtu: number;
  /** The node's links as read; none for instances known to be new (see createInstancesTogether). */
  links: readonly Link[];
  tables: SavedTables;
};

/** The node's state as the kernel has it (a bulk setup may repair instances that exist). */
const readNodeState = async ({ host, nodeId }: { host: Host; nodeId: string }): Promise<NodeState> => {
  const [{ config, links }, tables] = await Promise.all([
    readNodeConfig({ host, nodeId }),
    readIptables({ host }),
  ]);
  const uplinkMtu = links.find((link) => link.name === config.uplinkInterface)?.mtu ?? 1500;
  return { config, uplinkMtu, links, tables };
};

/**
 * Sets up many instances of a node in bulk, as after a reboot or an agent restart, in chunks that overlap:
 * one batch names a chunk's new namespaces, one process runs each instance's own `ip` batch in its
 * namespace (making its veth pair where missing, a few at a time; see namespace-batches.ts), one batch
 * puts the chunk's pairs on the bridge; one iptables transaction, at the same time, sets every port
 * mapping. Instances that exist are converged the same way (their lines are idempotent). All or nothing:
 * a failure rolls back every instance this call created. `state` is read from the kernel unless given.
 */
export const applyInstances = async ({
  host,
  input: { nodeId, nodeIpAddr, instances },
  state,
}: {
  host: Host;
  input: z.output<typeof ZSetupInstancesRequest>;
  state?: NodeState | undefined;
}) => {
  const { config, uplinkMtu, links, tables } = state ?? (await readNodeState({ host, nodeId }));
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
  const isFresh = new Set(
    named.filter(({ namespaceName }) => !hasNamespace(namespaceName)).map(({ instanceId }) => instanceId),
  );
  const fresh = named.filter(({ instanceId }) => isFresh.has(instanceId));
  // A pair is made where none hangs on the bridge; a veth of the name that is not on it is replaced.
  const needsVeth = new Set(
    named
      .filter(({ instanceId, vethName }) => {
        const veth = links.find((link) => link.name === vethName);
        return isFresh.has(instanceId) || veth?.master !== config.bridgeName;
      })
      .map(({ instanceId }) => instanceId),
  );
  const stale = named.filter(
    ({ instanceId, vethName }) => needsVeth.has(instanceId) && links.some((link) => link.name === vethName),
  );
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
    await runIpBatch({ host, lines: stale.map(({ vethName }) => ['link', 'del', vethName]) });
    undo.push('delete veths', async () => {
      await Promise.all(
        named
          .filter(({ instanceId }) => needsVeth.has(instanceId))
          .map(({ vethName }) => deleteVeth({ host, vethName })),
      );
    });
    const nodeNamespaceRef = formatNodeNamespaceRef({ hostNamespace: host.namespace });
    const isIpv6Silent = canSilenceIpv6({ hasIpv6: hasIpv6(), mtu: uplinkMtu });
    type Chunk = readonly ((typeof named)[number] & { index: number })[];
    // Started before the rules are rendered: naming the namespaces is the longest chain of the setup.
    const interfaces = runChunkPipeline({
      items: named.map((item, index) => ({ ...item, index })),
      name: (chunk: Chunk) =>
        runNamespaceBatch({
          host,
          lines: chunk
            .filter(({ instanceId }) => isFresh.has(instanceId))
            .map(({ namespaceName }) => ['netns', 'add', namespaceName]),
        }),
      configureInside: (chunk: Chunk) =>
        runBatchesInNamespaces({
          host,
          parallelism: chunkParallelism,
          batches: chunk.map(({ index, instanceId, namespaceName, vethName, instanceIpCidr }) => ({
            index,
            namespace: namespaceName,
            lines: renderInstanceSideLines({
              instanceIpCidr,
              nodeIpAddr: config.nodeIpAddr,
              veth: needsVeth.has(instanceId)
                ? { vethName, mtu: uplinkMtu, nodeNamespaceRef, isIpv6Silent }
                : undefined,
            }),
          })),
        }),
      attach: (chunk: Chunk) =>
        runIpBatch({
          host,
          lines: chunk.flatMap(({ instanceId, vethName, instanceIpCidr }) =>
            renderBridgeSideLines({
              vethName,
              bridgeName: config.bridgeName,
              instanceId,
              isIsolated: config.isolation === 'instances',
              isNew: needsVeth.has(instanceId),
              isIpv6Silent,
              instanceIpCidr,
            }),
          ),
        }),
    });
    const rules = (async () => {
      if (config.portMappingBackend === 'nftables') {
        for (const { instanceId, instanceIpCidr, ports } of named) {
          const instanceAddr = parseHostCidr(instanceIpCidr).address;
          await applyNftPortMappings({ host, instanceId, instanceAddr, ports, undo });
        }
        return;
      }
      const { script } = renderPortMappingsScripts({
        saved: tables,
        instances: named.map(({ instanceId, instanceIpCidr, ports }) => ({
          instanceId,
          instanceAddr: parseHostCidr(instanceIpCidr).address,
          ports,
        })),
      });
      await applyRestoreScript({ host, script });
      undo.push('undo port mappings', () => applyRestoreScript({ host, script: invertScript(script) }));
    })();
    const results = await Promise.allSettled([rules, interfaces]);
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    await flushUdpFlows({
      host,
      mappings: named.flatMap(({ instanceId, instanceIpCidr, ports }) =>
        ports.map((port) => ({ ...port, instanceId, instanceAddr: parseHostCidr(instanceIpCidr).address })),
      ),
    });
  });
  const { instanceAddrs } = getHostCache(host);
  for (const { instanceId, instanceIpCidr } of named)
    instanceAddrs.set(instanceId, parseHostCidr(instanceIpCidr).address);
  return {
    created: fresh.length,
    repaired: named.length - fresh.length,
    namespaces: named.map(({ instanceId, namespaceName }) => ({ instanceId, namespaceName })),
  };
};

/**
 * Sets up many instances of a node at once (see applyInstances). An address another instance of the
 * node holds, or that the list gives twice, is refused (CONFLICT naming `instances.N.instanceIpCidr`)
 * before anything changes.
 */
export const setupInstances = async ({ host, request }: { host: Host; request: unknown }) => {
  const input = parseInput({ schema: ZSetupInstancesRequest, input: request });
  const reservation = await reserveInstanceAddresses({
    host,
    claims: input.instances.map(({ instanceId, instanceIpCidr }, index) => ({
      ...getInstanceNames({ host, instanceId }),
      instanceId,
      instanceIpCidr,
      field: `instances.${index}.instanceIpCidr`,
    })),
  });
  try {
    const result = await applyInstances({ host, input });
    reservation.commit();
    return result;
  } catch (error) {
    reservation.cancel();
    throw error;
  }
};
