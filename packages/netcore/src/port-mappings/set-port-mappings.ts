import { NetcoreError } from '../errors.js';
import { getInstanceNames, hasNamespace, readInstanceAddress } from '../instance/instance-namespace.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { ZSetPortMappingsRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { flushUdpFlows } from './conntrack.js';
import { findHostPortConflict, renderPortMappingsScript } from './port-mapping-rules.js';

/**
 * Converges an instance's port mappings to exactly `ports`, in one iptables transaction: mappings not
 * listed are removed, new ones added, unchanged ones left in place.
 */
export const setPortMappings = async ({ host, request }: { host: Host; request: unknown }) => {
  const { instanceId, ports } = parseInput({ schema: ZSetPortMappingsRequest, input: request });
  const { namespaceName } = getInstanceNames({ host, instanceId });
  const notFound = new NetcoreError({
    code: 'NOT_FOUND',
    field: 'instanceId',
    reason: `instance '${instanceId}' is not set up here`,
  });
  if (!hasNamespace(namespaceName)) throw notFound;
  const [instanceIpCidr, saved] = await Promise.all([
    readInstanceAddress({ host, namespaceName }),
    readIptables({ host }),
  ]);
  if (!instanceIpCidr) throw notFound;
  const conflict = findHostPortConflict({ saved, instanceId, ports });
  if (conflict)
    throw new NetcoreError({
      code: 'CONFLICT',
      field: `ports.${conflict.index}.hostPort`,
      reason: `host port ${conflict.port.protocol}/${conflict.port.hostPort} is already mapped to instance '${conflict.owner}' on this node`,
    });
  const instanceAddr = instanceIpCidr.split('/')[0] ?? '';
  const { script, removed, added } = renderPortMappingsScript({ saved, instanceId, instanceAddr, ports });
  await applyRestoreScript({ host, script });
  await flushUdpFlows({ host, mappings: [...removed, ...added] });
  return { added: added.length, removed: removed.length };
};
