import { addOtherNodes, deleteNodeInCluster, newNodeInCluster } from './cluster/cluster-operations.js';
import { diffNode } from './inspect/diff-node.js';
import type { TDesiredNode } from './inspect/drift.js';
import { inspectNode } from './inspect/inspect-node.js';
import type { NodeSnapshot } from './inspect/node-snapshot.js';
import { cleanOrphans, findOrphans, type TKnownResources } from './inspect/orphans.js';
import { cleanInstance } from './instance/clean-instance.js';
import { setupInstance } from './instance/setup-instance.js';
import { setupInstances } from './instance/setup-instances.js';
import type { CommandRunner } from './kernel/command.js';
import type { Host } from './kernel/host.js';
import { runExclusive } from './kernel/host-queue.js';
import { createExecaRunner } from './kernel/runner.js';
import { getNamespaceName, namePrefix } from './names.js';
import { cleanNode } from './node/clean-node.js';
import { setupIptables } from './node/setup-iptables.js';
import { setupNode } from './node/setup-node.js';
import { setPortMappings } from './port-mappings/set-port-mappings.js';
import type {
  TCleanInstanceRequest,
  TNodeIdRequest,
  TNodeRequest,
  TSetPortMappingsRequest,
  TSetupInstanceRequest,
  TSetupInstancesRequest,
  TSetupNodeRequest,
} from './schemas.js';

export type NetcoreOptions = {
  /** Network namespace to act in (a lab node); omit to act on the current namespace (a real node). */
  hostNamespace?: string;
  /** Prefix of instance namespace names; defaults to the host namespace's name, or `kudo`. */
  namespacePrefix?: string;
  /** How commands are run; tests swap it to inject faults. */
  runner?: CommandRunner;
};

type NodeRequestInput = { nodeId: string; nodeIp: { clusterIpCidr: string; externalIpAddr: string } };

/** The network API bound to one host namespace. Every method validates its input and is idempotent. */
export const createNetcore = ({
  hostNamespace,
  namespacePrefix,
  runner = createExecaRunner(),
}: NetcoreOptions = {}) => {
  const host: Host = {
    namespace: hostNamespace,
    namespacePrefix: namespacePrefix ?? hostNamespace ?? namePrefix,
    runner,
  };
  const mutate = <T>(work: () => Promise<T>) => runExclusive({ host, work });
  return {
    host,
    /** Ends the helper processes kept for reuse; they also end by themselves after a second idle. */
    close: () => runner.close?.(),
    setupNode: (request: TSetupNodeRequest) => mutate(() => setupNode({ host, request })),
    setupIptables: (request: TNodeIdRequest) => mutate(() => setupIptables({ host, request })),
    addOtherNodes: (nodes: readonly NodeRequestInput[]) => mutate(() => addOtherNodes({ host, nodes })),
    newNodeInCluster: (request: NodeRequestInput) => mutate(() => newNodeInCluster({ host, request })),
    deleteNodeInCluster: (request: NodeRequestInput) => mutate(() => deleteNodeInCluster({ host, request })),
    cleanNode: (request: TNodeIdRequest) => mutate(() => cleanNode({ host, request })),
    /** Takes its turn in the host's queue itself: new instances set up at the same time go together. */
    setupInstance: (request: TSetupInstanceRequest) => setupInstance({ host, request }),
    /** Many instances of one node at once (after a reboot): all or nothing. */
    setupInstances: (request: TSetupInstancesRequest) => mutate(() => setupInstances({ host, request })),
    /** Takes its turn in the host's queue itself: instances removed at the same time go together. */
    cleanInstance: (request: TCleanInstanceRequest) => cleanInstance({ host, request }),
    setPortMappings: (request: TSetPortMappingsRequest) => mutate(() => setPortMappings({ host, request })),
    getNamespaceName: (instanceId: string) => getNamespaceName(instanceId, { prefix: host.namespacePrefix }),
    /** What really exists for the node, read from the kernel. Runs alongside mutations. */
    inspectNode: (request: TNodeIdRequest) => inspectNode({ host, request }),
    /** Drift between a desired state and a snapshot; pure. */
    diffNode: ({ desired, actual }: { desired: TDesiredNode; actual: NodeSnapshot }) =>
      diffNode({ desired, actual }),
    findOrphans: ({ known }: { known: TKnownResources }) => findOrphans({ host, known }),
    cleanOrphans: (request: { known: TKnownResources; dryRun?: boolean }) =>
      mutate(() => cleanOrphans({ host, request })),
  };
};

export type Netcore = ReturnType<typeof createNetcore>;
export type { TNodeRequest };
