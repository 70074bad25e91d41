import { getNamespaceName as getNamespaceNameWithPrefix } from './names.js';
import { createNetcore } from './netcore.js';

/**
 * The spec's operations as plain functions acting on the current network namespace (a real node).
 * For a lab node or a custom runner, use createNetcore.
 */
const local = createNetcore();

export const setupNode = local.setupNode;
export const setupIptables = local.setupIptables;
export const addOtherNodes = local.addOtherNodes;
export const newNodeInCluster = local.newNodeInCluster;
export const deleteNodeInCluster = local.deleteNodeInCluster;
export const cleanNode = local.cleanNode;
export const setupInstance = local.setupInstance;
export const setupInstances = local.setupInstances;
export const cleanInstance = local.cleanInstance;
export const setPortMappings = local.setPortMappings;
/** Deterministic: the namespace an instance of this id gets on a real node. */
export const getNamespaceName = (instanceId: string) => getNamespaceNameWithPrefix(instanceId);
