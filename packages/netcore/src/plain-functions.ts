import { getNamespaceName as getNamespaceNameWithPrefix } from './names.js';
import { createNetcore, type Netcore } from './netcore.js';

/**
 * The spec's operations as plain functions acting on the current network namespace (a real node).
 * Nothing is made at import: the netcore object and its runner are created at the first call.
 * For a lab node or a custom runner, use createNetcore.
 */
let local: Netcore | undefined;

const getLocal = () => {
  local ??= createNetcore();
  return local;
};

export const setupNode: Netcore['setupNode'] = (request) => getLocal().setupNode(request);
export const setupIptables: Netcore['setupIptables'] = (request) => getLocal().setupIptables(request);
export const addOtherNodes: Netcore['addOtherNodes'] = (nodes) => getLocal().addOtherNodes(nodes);
export const newNodeInCluster: Netcore['newNodeInCluster'] = (request) =>
  getLocal().newNodeInCluster(request);
export const deleteNodeInCluster: Netcore['deleteNodeInCluster'] = (request) =>
  getLocal().deleteNodeInCluster(request);
export const cleanNode: Netcore['cleanNode'] = (request) => getLocal().cleanNode(request);
export const setupInstance: Netcore['setupInstance'] = (request) => getLocal().setupInstance(request);
export const setupInstances: Netcore['setupInstances'] = (request) => getLocal().setupInstances(request);
export const cleanInstance: Netcore['cleanInstance'] = (request) => getLocal().cleanInstance(request);
export const setPortMappings: Netcore['setPortMappings'] = (request) => getLocal().setPortMappings(request);
/** Deterministic: the namespace an instance of this id gets on a real node. */
export const getNamespaceName = (instanceId: string) => getNamespaceNameWithPrefix(instanceId);
