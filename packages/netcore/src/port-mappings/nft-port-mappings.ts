import { isNetcoreError, NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import type { createUndoStack } from '../kernel/undo-stack.js';
import type { TPort } from '../schemas.js';
import { flushUdpFlows } from './conntrack.js';
import {
  indexNftMappings,
  nftTable,
  parseNftMapJson,
  renderNftDeleteTableScript,
  renderNftElementsScript,
  renderNftTableScript,
} from './nft-rules.js';
import { formatPortKey, type PortMapping } from './port-mapping-rules.js';

/** What netcore last knew of a host namespace's map (host port key -> mapping); dropped by failed writes. */
const models = new Map<string, Map<string, PortMapping>>();
const modelKey = (host: Host) => host.namespace ?? '';

/** Failures of a write to the map: the only ones a stale model can explain, so the only ones retried. */
const failedWrites = new WeakSet<object>();

/** One `nft -f` transaction in the node's namespace, started by a long-lived starter like iptables-restore. */
const runNftScript = async ({ host, script }: { host: Host; script: string }) => {
  await host.runner.run({
    kind: 'reads-input-file',
    namespace: host.namespace,
    file: 'nft',
    args: ['-f'],
    input: script,
  });
};

/** Whether our table exists, and the port mappings its map holds, as the kernel has them (refreshes the model). */
export const readNftState = async ({ host }: { host: Host }) => {
  try {
    const { stdout } = await host.runner.run({
      namespace: host.namespace,
      file: 'nft',
      args: ['-j', 'list', 'map', nftTable.family, nftTable.name, nftTable.map],
    });
    const mappings = parseNftMapJson(stdout);
    models.set(modelKey(host), indexNftMappings(mappings));
    return { hasTable: true, mappings };
  } catch (error) {
    if (isNetcoreError(error) && /No such file or directory/.test(error.reason)) {
      models.delete(modelKey(host));
      return { hasTable: false, mappings: [] as PortMapping[] };
    }
    throw error;
  }
};

/** The port mappings our map holds, as the kernel has them (none when our table is absent). */
export const readNftMappings = async ({ host }: { host: Host }) => (await readNftState({ host })).mappings;

/** Creates our table, map and DNAT rules (idempotent; the map's elements are kept, and read again next time). */
export const setupNftTable = async ({ host }: { host: Host }) => {
  models.delete(modelKey(host));
  await runNftScript({ host, script: renderNftTableScript() });
};

/** Removes our table with every mapping in it; fine when it is already gone. */
export const deleteNftTable = async ({ host }: { host: Host }) => {
  models.delete(modelKey(host));
  await runNftScript({ host, script: renderNftDeleteTableScript() });
};

const writeElements = async ({
  host,
  model,
  removed,
  added,
}: {
  host: Host;
  model: Map<string, PortMapping>;
  removed: readonly PortMapping[];
  added: readonly PortMapping[];
}) => {
  if (removed.length === 0 && added.length === 0) return;
  models.delete(modelKey(host));
  try {
    await runNftScript({ host, script: renderNftElementsScript({ removed, added }) });
  } catch (error) {
    if (typeof error === 'object' && error !== null) failedWrites.add(error);
    throw error;
  }
  for (const mapping of removed) model.delete(formatPortKey(mapping));
  for (const mapping of added) model.set(formatPortKey(mapping), mapping);
  models.set(modelKey(host), model);
};

const formatTarget = (mapping: PortMapping) => `${mapping.instanceAddr}:${mapping.instancePort}`;

/**
 * Runs `work` on the model of the map (no kernel read on the hot path). If its write fails and the kernel
 * turns out to differ from the model (an element deleted by hand), it runs once more on what the kernel has.
 */
const withNftModel = async <T>({
  host,
  work,
}: {
  host: Host;
  work: (model: Map<string, PortMapping>) => Promise<T>;
}) => {
  const cached = models.get(modelKey(host));
  const read = async () => indexNftMappings(await readNftMappings({ host }));
  if (!cached) return work(await read());
  const before = [...cached.values()].map((mapping) => `${formatPortKey(mapping)}>${formatTarget(mapping)}`);
  try {
    return await work(new Map(cached));
  } catch (error) {
    if (!(typeof error === 'object' && error !== null && failedWrites.has(error))) throw error;
    const fresh = await read();
    const after = [...fresh.values()].map((mapping) => `${formatPortKey(mapping)}>${formatTarget(mapping)}`);
    if (before.sort().join(',') === after.sort().join(',')) throw error;
    return work(fresh);
  }
};

/**
 * Makes an instance's mappings in our map exactly `ports` in one nft transaction (a host port held by
 * another instance is refused before anything changes), then forgets the UDP flows of what changed.
 * Registers the inverse on the undo stack.
 */
export const applyNftPortMappings = ({
  host,
  instanceId,
  instanceAddr,
  ports,
  undo,
}: {
  host: Host;
  instanceId: string;
  instanceAddr: string;
  ports: readonly TPort[];
  undo: ReturnType<typeof createUndoStack>;
}) =>
  withNftModel({
    host,
    work: async (model) => {
      ports.forEach((port, index) => {
        const owner = model.get(formatPortKey(port))?.instanceId;
        if (owner !== undefined && owner !== instanceId)
          throw new NetcoreError({
            code: 'CONFLICT',
            field: `ports.${index}.hostPort`,
            reason: `host port ${port.protocol}/${port.hostPort} is already mapped to instance '${owner}' on this node`,
          });
      });
      const desired = ports.map((port): PortMapping => ({ ...port, instanceId, instanceAddr }));
      const current = [...model.values()].filter((mapping) => mapping.instanceId === instanceId);
      const sameAs = (a: PortMapping) => (b: PortMapping) =>
        formatPortKey(a) === formatPortKey(b) && formatTarget(a) === formatTarget(b);
      const removed = current.filter((mapping) => !desired.some(sameAs(mapping)));
      const added = desired.filter((mapping) => !current.some(sameAs(mapping)));
      await writeElements({ host, model, removed, added });
      if (removed.length > 0 || added.length > 0) {
        undo.push('restore port mappings', async () => {
          models.delete(modelKey(host));
          await runNftScript({ host, script: renderNftElementsScript({ removed: added, added: removed }) });
        });
        await flushUdpFlows({ host, mappings: [...removed, ...added] });
      }
      return { added: added.length, removed: removed.length };
    },
  });

/** Removes every mapping of these instances from our map, in one transaction. */
export const deleteNftPortMappings = async ({
  host,
  instanceIds,
}: {
  host: Host;
  instanceIds: readonly string[];
}) => {
  const ids = new Set(instanceIds);
  const removed = await withNftModel({
    host,
    work: async (model) => {
      const removed = [...model.values()].filter((mapping) => ids.has(mapping.instanceId));
      await writeElements({ host, model, removed, added: [] });
      return removed;
    },
  });
  await flushUdpFlows({ host, mappings: removed });
};
