import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript } from '../kernel/iptables.js';
import { invertScript, isEmptyScript } from '../kernel/restore-script.js';
import type { SavedTables } from '../kernel/saved-rules.js';
import type { createUndoStack } from '../kernel/undo-stack.js';
import type { TPort } from '../schemas.js';
import { flushUdpFlows } from './conntrack.js';
import { applyNftPortMappings } from './nft-port-mappings.js';
import { isNftablesNode } from './port-backend.js';
import {
  findHostPortConflict,
  type HostPortRequest,
  renderPortMappingsScript,
} from './port-mapping-rules.js';

/** Refuses, before anything changes, a host port that another instance of the node already maps. */
export const assertHostPortsFree = ({ saved, instanceId, ports }: HostPortRequest) => {
  const conflict = findHostPortConflict({ saved, instanceId, ports });
  if (conflict)
    throw new NetcoreError({
      code: 'CONFLICT',
      field: `ports.${conflict.index}.hostPort`,
      reason: `host port ${conflict.port.protocol}/${conflict.port.hostPort} is already mapped to instance '${conflict.owner}' on this node`,
    });
};

/**
 * Makes an instance's port mappings exactly `ports` in one iptables transaction (or one nft transaction on
 * a node whose backend is nftables), then forgets the UDP flows of what changed. Registers the inverse on
 * the undo stack, so a later failure takes it back.
 */
export const applyPortMappings = async ({
  host,
  saved,
  instanceId,
  instanceAddr,
  ports,
  undo,
}: {
  host: Host;
  saved: SavedTables;
  instanceId: string;
  instanceAddr: string;
  ports: readonly TPort[];
  undo: ReturnType<typeof createUndoStack>;
}) => {
  if (await isNftablesNode({ host }))
    return applyNftPortMappings({ host, instanceId, instanceAddr, ports, undo });
  const { script, removed, added } = renderPortMappingsScript({ saved, instanceId, instanceAddr, ports });
  if (!isEmptyScript(script)) {
    await applyRestoreScript({ host, script });
    undo.push('restore port mappings', () => applyRestoreScript({ host, script: invertScript(script) }));
    await flushUdpFlows({ host, mappings: [...removed, ...added] });
  }
  return { added: added.length, removed: removed.length };
};
