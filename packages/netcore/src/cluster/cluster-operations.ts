import { z } from 'zod';
import type { Host } from '../kernel/host.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { readLocalNodeConfig } from '../node/read-node.js';
import { type TNodeRequest, ZNodeRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { applyPeers, validatePeers } from './apply-peers.js';
import { toPeer } from './peer-rules.js';

const ZNodeRequests = z.array(ZNodeRequest);

/**
 * Makes other nodes' instances reachable from this node's instances, by their own addresses:
 * a route to each node's instance network via its external address, and no NAT between instance networks.
 * Idempotent; a node whose address changed is updated in place.
 */
export const addOtherNodes = async ({ host, nodes }: { host: Host; nodes: unknown }) => {
  const requests = parseInput({ schema: ZNodeRequests, input: nodes });
  const { config, links } = await readLocalNodeConfig({ host });
  const peers = requests.map(toPeer);
  validatePeers({ config, links, peers, fieldPrefix: (index) => `${index}.` });
  const undo = createUndoStack();
  await undo.guard(() => applyPeers({ host, config, upsert: peers, remove: [], undo }));
};

export const newNodeInCluster = async ({ host, request }: { host: Host; request: unknown }) => {
  const node = parseInput({ schema: ZNodeRequest, input: request });
  const { config, links } = await readLocalNodeConfig({ host });
  const peer = toPeer(node);
  validatePeers({ config, links, peers: [peer], fieldPrefix: () => '' });
  const undo = createUndoStack();
  await undo.guard(() => applyPeers({ host, config, upsert: [peer], remove: [], undo }));
};

/** Removes exactly what newNodeInCluster added for that node: its route and its rules. */
export const deleteNodeInCluster = async ({ host, request }: { host: Host; request: unknown }) => {
  const node: TNodeRequest = parseInput({ schema: ZNodeRequest, input: request });
  const { config } = await readLocalNodeConfig({ host });
  const undo = createUndoStack();
  await undo.guard(() =>
    applyPeers({
      host,
      config,
      upsert: [],
      remove: [{ nodeId: node.nodeId, subnet: toPeer(node).subnet }],
      undo,
    }),
  );
};
