import { parseHostCidr } from '../addressing.js';
import { NetcoreError } from '../errors.js';
import { createGroupCommit, getGroupCommit } from '../kernel/group-commit.js';
import type { Host } from '../kernel/host.js';
import { runExclusive } from '../kernel/host-queue.js';
import { readIptables, readIptablesCached } from '../kernel/iptables.js';
import { hasLink } from '../kernel/links.js';
import { addInstanceNamespace, deleteNamespace, hasNamespace } from '../kernel/namespaces.js';
import type { SavedTables } from '../kernel/saved-rules.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { instanceInterfaceName } from '../names.js';
import { getHostCache } from '../node/host-cache.js';
import type { NodeConfig } from '../node/node-config.js';
import { forgetNodeConfigs, readNodeConfig, readNodeConfigCached } from '../node/read-node.js';
import { applyPortMappings, assertHostPortsFree } from '../port-mappings/apply-port-mappings.js';
import { type TExternalNetns, type TPort, ZSetupInstanceRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { configureInstance } from './configure-instance.js';
import { createInstancesTogether } from './create-instances-together.js';
import { reserveInstanceAddresses } from './instance-addresses.js';
import { getInstanceNames } from './instance-namespace.js';
import { deleteVeth, isLinkNameTaken, runTogether } from './instance-veth.js';

type Input = {
  nodeId: string;
  nodeIpAddr: string;
  instanceId: string;
  instanceIpCidr: string;
  ports: TPort[];
  netns?: TExternalNetns | undefined;
};
type UndoStack = ReturnType<typeof createUndoStack>;

const checkInstanceFits = ({
  input,
  config,
  tables,
}: {
  input: Input;
  config: NodeConfig;
  tables: SavedTables;
}) => {
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
  assertHostPortsFree({ saved: tables, instanceId: input.instanceId, ports: input.ports });
};

const applyInstancePorts = ({
  host,
  input,
  tables,
  undo,
}: {
  host: Host;
  input: Input;
  tables: SavedTables;
  undo: UndoStack;
}) =>
  applyPortMappings({
    host,
    saved: tables,
    instanceId: input.instanceId,
    instanceAddr: parseHostCidr(input.instanceIpCidr).address,
    ports: input.ports,
    undo,
  });

const toInstanceLinks = ({
  host,
  input,
  config,
  namespaceName,
  vethName,
}: {
  host: Host;
  input: Input;
  config: NodeConfig;
  namespaceName: string;
  vethName: string;
}) => ({
  host,
  namespaceName,
  vethName,
  instanceId: input.instanceId,
  instanceIpCidr: input.instanceIpCidr,
  nodeIpAddr: config.nodeIpAddr,
  bridgeName: config.bridgeName,
  isIsolated: config.isolation === 'instances',
  netns: input.netns,
});

type Names = { namespaceName: string; vethName: string };
type NewInstance = { host: Host; input: Input } & Names;

/** Checks a new instance against what netcore knows of its node: no kernel reads on the hot path. */
const checkNewInstance = async ({ host, input }: { host: Host; input: Input }) => {
  const [{ config, uplinkMtu }, tables] = await Promise.all([
    readNodeConfigCached({ host, nodeId: input.nodeId }),
    readIptablesCached({ host }),
  ]);
  checkInstanceFits({ input, config, tables });
  return { config, uplinkMtu, tables };
};

/**
 * A new instance: no kernel reads (the node and its rules are known from earlier calls). Its namespace is
 * made here, unless it lives in a runtime's (`netns`), which is the runtime's. In a runtime's namespace
 * the pair is made optimistically: a name the kernel says exists ('File exists': our veth on the node, or
 * the runtime's interface) made nothing, so its undo leaves that link alone, and the caller decides.
 */
const createInstance = async ({ host, input, namespaceName, vethName }: NewInstance) => {
  const undo = createUndoStack();
  const { config, uplinkMtu, tables } = await checkNewInstance({ host, input });
  let isNameTaken = false;
  // What the cache said may be stale (a bridge deleted by hand): a failure makes the next call read again.
  undo.push('forget cached node', async () => {
    if (!isNameTaken) forgetNodeConfigs(host);
  });
  await undo.guard(async () => {
    if (!input.netns) {
      undo.push('delete namespace', () => deleteNamespace({ host, namespaceName }));
      await addInstanceNamespace({ host, namespaceName });
    }
    undo.push('delete veth', async () => {
      if (!isNameTaken) await deleteVeth({ host, vethName });
    });
    await runTogether([
      () =>
        configureInstance({
          ...toInstanceLinks({ host, input, config, namespaceName, vethName }),
          mtu: uplinkMtu,
          needsVeth: true,
        }).catch((error: unknown) => {
          isNameTaken = input.netns !== undefined && isLinkNameTaken(error);
          throw error;
        }),
      () => applyInstancePorts({ host, input, tables, undo }),
    ]);
  });
};

/**
 * An instance whose namespace exists (its own, or a runtime's given by path): read from the kernel and
 * converged. A runtime's namespace is never made or deleted here.
 */
const repairInstance = async ({
  host,
  input,
  namespaceName,
  vethName,
}: { host: Host; input: Input } & Names) => {
  const undo = createUndoStack();
  const [{ config, links }, tables] = await Promise.all([
    readNodeConfig({ host, nodeId: input.nodeId }),
    readIptables({ host }),
  ]);
  checkInstanceFits({ input, config, tables });
  const uplinkMtu = links.find((link) => link.name === config.uplinkInterface)?.mtu ?? 1500;
  const veth = links.find((link) => link.name === vethName);
  const needsVeth = veth?.master !== config.bridgeName;
  await undo.guard(async () => {
    if (needsVeth) {
      if (veth) await deleteVeth({ host, vethName });
      undo.push('delete veth', () => deleteVeth({ host, vethName }));
    }
    await configureInstance({
      ...toInstanceLinks({ host, input, config, namespaceName, vethName }),
      mtu: uplinkMtu,
      needsVeth,
    });
    await applyInstancePorts({ host, input, tables, undo });
  });
};

/**
 * An instance in a runtime's namespace: created at once, asking the kernel nothing first (a fresh ADD is
 * the usual case). Only when the pair's creation finds a name taken is the node asked, through its
 * long-lived `ip`, whether our veth is there: then the instance exists and is read from the kernel and
 * repaired; otherwise the name taken is the runtime's interface, and the setup fails, having changed
 * nothing. (A setup and a clean of the same attachment at once are the runtime's to avoid: it serializes
 * a container's ADD and DEL.)
 */
const setupExternalInstance = async (instance: NewInstance) => {
  try {
    await createInstance(instance);
  } catch (error) {
    if (!isLinkNameTaken(error) || !(await hasLink({ host: instance.host, name: instance.vethName })))
      throw error;
    await repairInstance(instance);
  }
};

/** A new instance alone (a group of one, or a call its group could not take). */
const setupNewInstance = (instance: NewInstance) =>
  hasNamespace(instance.namespaceName) ? repairInstance(instance) : createInstance(instance);

/**
 * New instances of a node go through one group commit (see kernel/group-commit.ts): calls that arrive
 * while one group is in the kernel are set up together by the bulk path, each caller settled on its own.
 */
const getCreateGroup = (host: Host) =>
  getGroupCommit({
    host,
    kind: 'create instance',
    create: () =>
      createGroupCommit<NewInstance, void>({
        runOne: setupNewInstance,
        schedule: (work) => runExclusive({ host, work }),
        runMany: (instances) => createInstancesTogether({ instances, runOne: setupNewInstance }),
      }),
  });

/**
 * Gives an instance its namespace, a veth pair to the node's bridge, its address, a default route via
 * the node and its port mappings. A new instance takes the fast path: no kernel reads, helper processes
 * reused, the instance's side and its rules applied at once (in a runtime's namespace too). An existing one is read from the kernel and
 * repaired. An address another instance of the node holds is refused (CONFLICT) before anything changes;
 * a failure rolls back what this call made. New instances set up at the same time share kernel work.
 */
export const setupInstance = async ({ host, request }: { host: Host; request: unknown }) => {
  const input = parseInput({ schema: ZSetupInstanceRequest, input: request });
  const names = getInstanceNames({ host, instanceId: input.instanceId });
  const reservation = await reserveInstanceAddresses({
    host,
    claims: [
      {
        ...names,
        instanceId: input.instanceId,
        instanceIpCidr: input.instanceIpCidr,
        field: 'instanceIpCidr',
        netnsPath: input.netns?.path,
      },
    ],
  });
  try {
    if (input.netns)
      await runExclusive({ host, work: () => setupExternalInstance({ host, input, ...names }) });
    else if (hasNamespace(names.namespaceName))
      await runExclusive({ host, work: () => repairInstance({ host, input, ...names }) });
    else {
      // Refused on its own, before it joins a group: a bad request never fails the others.
      await checkNewInstance({ host, input });
      await getCreateGroup(host).submit({ host, input, ...names });
    }
  } catch (error) {
    reservation.cancel();
    throw error;
  }
  reservation.commit();
  getHostCache(host).instanceAddrs.set(input.instanceId, parseHostCidr(input.instanceIpCidr).address);
  return {
    interfaceName: input.netns?.interfaceName ?? instanceInterfaceName,
    hostInterfaceName: names.vethName,
    namespaceName: input.netns?.path ?? names.namespaceName,
  };
};
