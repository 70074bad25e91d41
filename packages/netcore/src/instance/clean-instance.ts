import { NetcoreError } from '../errors.js';
import { createGroupCommit, getGroupCommit } from '../kernel/group-commit.js';
import type { Host } from '../kernel/host.js';
import { runExclusive } from '../kernel/host-queue.js';
import { applyRestoreScript, withRuleModel } from '../kernel/iptables.js';
import { deleteNamespace, hasNamespace } from '../kernel/namespaces.js';
import { getHostCache } from '../node/host-cache.js';
import { flushUdpFlows } from '../port-mappings/conntrack.js';
import { deleteNftPortMappings } from '../port-mappings/nft-port-mappings.js';
import { isNftablesNode } from '../port-mappings/port-backend.js';
import { renderPortMappingsScript } from '../port-mappings/port-mapping-rules.js';
import { ZCleanInstanceRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { cleanInstancesTogether, type InstanceToClean } from './clean-instances-together.js';
import { forgetInstanceAddress } from './instance-addresses.js';
import { getInstanceNames } from './instance-namespace.js';
import { deleteVeth } from './instance-veth.js';

/** Deletes the instance's port rules, found by their tag; a stale model of the rules is re-read once. */
const deletePortMappings = async ({ host, instanceId }: { host: Host; instanceId: string }) => {
  if (await isNftablesNode({ host })) return deleteNftPortMappings({ host, instanceIds: [instanceId] });
  const removed = await withRuleModel({
    host,
    work: async (tables) => {
      const { script, removed } = renderPortMappingsScript({
        saved: tables,
        instanceId,
        instanceAddr: '',
        ports: [],
      });
      await applyRestoreScript({ host, script });
      return removed;
    },
  });
  await flushUdpFlows({ host, mappings: removed });
};

/**
 * Instances removed at the same time share kernel work (see kernel/group-commit.ts): while one group is
 * in the kernel, the calls that arrive wait and go together in the next one.
 */
const getCleanGroup = (host: Host) =>
  getGroupCommit({
    host,
    kind: 'clean instance',
    create: () =>
      createGroupCommit<InstanceToClean, void>({
        runOne: (instance) => cleanOneInstance(instance),
        schedule: (work) => runExclusive({ host, work }),
        runMany: (instances) => cleanInstancesTogether({ instances }),
      }),
  });

/**
 * Removes everything setupInstance made: port mappings (found by their tag, so `ports` need not be
 * given), the veth pair and the namespace, all at once (each waits in the kernel on its own). Returns when
 * the veth is really gone. (Deleting the namespace alone would take the pair with it, but the kernel
 * dismantles namespaces in the background, about 30 ms later here: the synchronous `link del`, 20 ms,
 * is sooner.) Parts already gone are fine; every step is tried and all failures are reported. An
 * instance in a runtime's namespace (`netns`) loses its veth pair and rules; the namespace stays.
 */
export const cleanInstance = async ({ host, request }: { host: Host; request: unknown }) => {
  const { instanceId, netns } = parseInput({ schema: ZCleanInstanceRequest, input: request });
  await getCleanGroup(host).submit({ host, instanceId, isExternal: netns !== undefined });
};

/** One instance alone (a group of one, or each of a group whose shared work failed). */
const cleanOneInstance = async ({ host, instanceId, isExternal }: InstanceToClean) => {
  const { namespaceName, vethName } = getInstanceNames({ host, instanceId });
  getHostCache(host).instanceAddrs.delete(instanceId);
  const results = await Promise.allSettled([
    deletePortMappings({ host, instanceId }),
    deleteVeth({ host, vethName }),
    // A runtime's namespace (`netns`) is the runtime's to delete, and may be gone already.
    !isExternal && hasNamespace(namespaceName) ? deleteNamespace({ host, namespaceName }) : Promise.resolve(),
  ]);
  // Its address is free once its namespace is gone (a partial failure may leave the namespace holding it).
  forgetInstanceAddress({ host, namespaceName, isExternal });
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason as unknown] : [],
  );
  if (failures.length === 0) return;
  const reasons = failures.map((error) => (error instanceof Error ? error.message : String(error)));
  const [first] = failures;
  throw new NetcoreError({
    code: first instanceof NetcoreError ? first.code : 'COMMAND_FAILED',
    field: 'instanceId',
    reason: `cleaning instance '${instanceId}' left work undone: ${reasons.join('; ')}`,
    cause: first,
  });
};
