import { parseHostCidr } from '../addressing.js';
import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { runIpBatch } from '../kernel/links.js';
import { invertScript } from '../kernel/restore-script.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { instanceInterfaceName } from '../names.js';
import { readNodeConfig } from '../node/read-node.js';
import { flushUdpFlows } from '../port-mappings/conntrack.js';
import { findHostPortConflict, renderPortMappingsScript } from '../port-mappings/port-mapping-rules.js';
import { ZSetupInstanceRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { renderInstanceNamespaceLines, renderVethLines } from './instance-links.js';
import { addNamespace, deleteNamespace, getInstanceNames, hasNamespace } from './instance-namespace.js';

/**
 * Gives an instance its namespace, a veth pair to the node's bridge, its address, a default route via
 * the node and its port mappings. Idempotent (a re-run repairs what is missing); a failure rolls back
 * everything this call made.
 */
export const setupInstance = async ({ host, request }: { host: Host; request: unknown }) => {
  const input = parseInput({ schema: ZSetupInstanceRequest, input: request });
  const { config, links } = await readNodeConfig({ host, nodeId: input.nodeId });
  if (input.nodeIpAddr !== config.nodeIpAddr)
    throw new NetcoreError({
      code: 'INVALID_INPUT',
      field: 'nodeIpAddr',
      reason: `node '${config.nodeId}' has address ${config.nodeIpAddr}, not ${input.nodeIpAddr}`,
    });
  if (parseHostCidr(input.instanceIpCidr).network !== config.subnet)
    throw new NetcoreError({
      code: 'INVALID_INPUT',
      field: 'instanceIpCidr',
      reason: `must be in the node's network ${config.subnet} with the same prefix`,
    });
  const saved = await readIptables({ host });
  const conflict = findHostPortConflict({ saved, instanceId: input.instanceId, ports: input.ports });
  if (conflict)
    throw new NetcoreError({
      code: 'CONFLICT',
      field: `ports.${conflict.index}.hostPort`,
      reason: `host port ${conflict.port.protocol}/${conflict.port.hostPort} is already mapped to instance '${conflict.owner}' on this node`,
    });

  const { namespaceName, vethName } = getInstanceNames({ host, instanceId: input.instanceId });
  const mtu = links.find((link) => link.name === config.uplinkInterface)?.mtu ?? 1500;
  const veth = links.find((link) => link.name === vethName);
  const isNamespaceNew = !hasNamespace(namespaceName);
  const instanceAddr = parseHostCidr(input.instanceIpCidr).address;
  const undo = createUndoStack();
  await undo.guard(async () => {
    if (isNamespaceNew) {
      undo.push('delete namespace', () => deleteNamespace({ host, namespaceName }));
      await addNamespace({ host, namespaceName });
    }
    const isVethUsable = veth !== undefined && !isNamespaceNew && veth.master === config.bridgeName;
    if (!isVethUsable) {
      if (!isNamespaceNew)
        undo.push('delete veth', () => runIpBatch({ host, lines: [['link', 'del', vethName]] }));
      await runIpBatch({
        host,
        lines: [
          ...(veth ? [['link', 'del', vethName]] : []),
          ...renderVethLines({
            vethName,
            bridgeName: config.bridgeName,
            namespaceName,
            mtu,
            instanceId: input.instanceId,
            isIsolated: config.isolation === 'instances',
          }),
        ],
      });
    }
    await runIpBatch({
      host,
      namespace: namespaceName,
      lines: renderInstanceNamespaceLines({
        instanceIpCidr: input.instanceIpCidr,
        nodeIpAddr: config.nodeIpAddr,
      }),
    });
    const { script, removed, added } = renderPortMappingsScript({
      saved,
      instanceId: input.instanceId,
      instanceAddr,
      ports: input.ports,
    });
    if (script.changes.length > 0) {
      undo.push('restore port mappings', () => applyRestoreScript({ host, script: invertScript(script) }));
      await applyRestoreScript({ host, script });
      await flushUdpFlows({ host, mappings: [...removed, ...added] });
    }
  });
  return { interfaceName: instanceInterfaceName, hostInterfaceName: vethName, namespaceName };
};
