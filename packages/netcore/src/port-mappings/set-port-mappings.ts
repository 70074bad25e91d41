import { NetcoreError } from '../errors.js';
import { getInstanceNames } from '../instance/instance-namespace.js';
import type { Host } from '../kernel/host.js';
import { withRuleModel } from '../kernel/iptables.js';
import { hasNamespace, readInstanceAddress } from '../kernel/namespaces.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { getHostCache } from '../node/host-cache.js';
import { ZSetPortMappingsRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { applyPortMappings, assertHostPortsFree } from './apply-port-mappings.js';

/**
 * Converges an instance's port mappings to exactly `ports`, in one iptables transaction: mappings not
 * listed are removed, new ones added, unchanged ones left in place. Works from the model of the rules
 * (refreshed by every inspection, so a repair after inspectNode sees what the kernel has); a stale model
 * makes the transaction fail, and the call is retried once from a fresh read. The instance's address is
 * the one setupInstance gave it in this process, or read from its namespace.
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
  const instanceAddr =
    getHostCache(host).instanceAddrs.get(instanceId) ??
    (await readInstanceAddress({ host, namespaceName }))?.split('/')[0];
  if (!instanceAddr) throw notFound;
  return withRuleModel({
    host,
    work: async (saved) => {
      assertHostPortsFree({ saved, instanceId, ports });
      const undo = createUndoStack();
      return undo.guard(() => applyPortMappings({ host, saved, instanceId, instanceAddr, ports, undo }));
    },
  });
};
