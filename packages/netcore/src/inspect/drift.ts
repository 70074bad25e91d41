import { z } from 'zod';
import {
  ZHostCidr,
  ZId,
  ZIsolation,
  ZNodeRequest,
  ZPortMappingBackend,
  ZPortNumber,
  ZPorts,
} from '../schemas.js';

/** What a node should have, as the control plane records it. */
export const ZDesiredNode = z.object({
  nodeId: ZId,
  nodeIpCidr: ZHostCidr,
  isolation: ZIsolation.default('none'),
  /** When omitted, the protected ports the node was set up with are kept. */
  protectedPorts: z.array(ZPortNumber).optional(),
  /** When given, a node re-created by the setupNode fix keeps its port mappings there. */
  portMappingBackend: ZPortMappingBackend.optional(),
  instances: z
    .array(z.object({ instanceId: ZId, instanceIpCidr: ZHostCidr, ports: ZPorts.default([]) }))
    .default([]),
  peers: z.array(ZNodeRequest).default([]),
});

export type TDesiredNode = z.input<typeof ZDesiredNode>;

export const driftOperations = [
  'setupNode',
  'setupIptables',
  'setupInstance',
  'cleanInstance',
  'setPortMappings',
  'newNodeInCluster',
  'deleteNodeInCluster',
] as const;

/** The netcore call that repairs a drift item, ready to run. */
export type DriftFix = { operation: (typeof driftOperations)[number]; input: Record<string, unknown> };

export type DriftItem = {
  kind: 'missing' | 'unexpected' | 'different';
  resource: 'bridge' | 'forwarding' | 'node-rules' | 'instance' | 'port-mappings' | 'peer';
  /** What it is about: the node, an instance id, a peer node id. */
  target: string;
  detail: string;
  fix: DriftFix;
};
