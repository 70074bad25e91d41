import { isNetcoreError, NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import type { createUndoStack } from '../kernel/undo-stack.js';
import type { TPort } from '../schemas.js';
import { flushUdpFlows } from './conntrack.js';
import {
  nftTable,
  parseNftMapJson,
  renderNftDeleteTableScript,
  renderNftElementsScript,
  renderNftTableScript,
} from './nft-rules.js';
import { formatPortKey, type PortMapping } from './port-mapping-rules.js';

/**
 * What netcore last knew of a host namespace's map, by host port key and by instance, so that a change
 * touches only its own entries (no pass over the node's mappings); dropped when a write fails.
 */
type NftModel = { byPort: Map<string, PortMapping>; byInstance: Map<string, Map<string, PortMapping>> };

const addToModel = (model: NftModel, mapping: PortMapping) => {
  const key = formatPortKey(mapping);
  model.byPort.set(key, mapping);
  const own = model.byInstance.get(mapping.instanceId) ?? new Map<string, PortMapping>();
  own.set(key, mapping);
  model.byInstance.set(mapping.instanceId, own);
};

const removeFromModel = (model: NftModel, mapping: PortMapping) => {
  const key = formatPortKey(mapping);
  model.byPort.delete(key);
  const own = model.byInstance.get(mapping.instanceId);
  own?.delete(key);
  if (own?.size === 0) model.byInstance.delete(mapping.instanceId);
};

const toModel = (mappings: readonly PortMapping[]): NftModel => {
  const model: NftModel = { byPort: new Map(), byInstance: new Map() };
  for (const mapping of mappings) addToModel(model, mapping);
  return model;
};

const models = new Map<string, NftModel>();
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
    models.set(modelKey(host), toModel(mappings));
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
  model: NftModel;
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
  for (const mapping of removed) removeFromModel(model, mapping);
  for (const mapping of added) addToModel(model, mapping);
  models.set(modelKey(host), model);
};

const formatTarget = (mapping: PortMapping) => `${mapping.instanceAddr}:${mapping.instancePort}`;

/**
 * Runs `work` on the model of the map (no kernel read on the hot path). If its write fails and the kernel
 * turns out to differ from the model (an element deleted by hand), it runs once more on what the kernel has.
 */
const withNftModel = async <T>({ host, work }: { host: Host; work: (model: NftModel) => Promise<T> }) => {
  const cached = models.get(modelKey(host));
  const read = async () => toModel(await readNftMappings({ host }));
  if (!cached) return work(await read());
  try {
    // A write changes the model only once the kernel took it, so after a failure `cached` is as before.
    return await work(cached);
  } catch (error) {
    if (!(typeof error === 'object' && error !== null && failedWrites.has(error))) throw error;
    const describe = (model: NftModel) =>
      [...model.byPort.values()]
        .map((mapping) => `${mapping.instanceId} ${formatPortKey(mapping)}>${formatTarget(mapping)}`)
        .sort()
        .join(',');
    const fresh = await read();
    if (describe(fresh) === describe(cached)) throw error;
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
        const owner = model.byPort.get(formatPortKey(port))?.instanceId;
        if (owner !== undefined && owner !== instanceId)
          throw new NetcoreError({
            code: 'CONFLICT',
            field: `ports.${index}.hostPort`,
            reason: `host port ${port.protocol}/${port.hostPort} is already mapped to instance '${owner}' on this node`,
          });
      });
      const desired = ports.map((port): PortMapping => ({ ...port, instanceId, instanceAddr }));
      const current = [...(model.byInstance.get(instanceId)?.values() ?? [])];
      const keyOf = (mapping: PortMapping) => `${formatPortKey(mapping)}>${formatTarget(mapping)}`;
      const desiredKeys = new Set(desired.map(keyOf));
      const currentKeys = new Set(current.map(keyOf));
      const removed = current.filter((mapping) => !desiredKeys.has(keyOf(mapping)));
      const added = desired.filter((mapping) => !currentKeys.has(keyOf(mapping)));
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
      const removed = [...ids].flatMap((id) => [...(model.byInstance.get(id)?.values() ?? [])]);
      await writeElements({ host, model, removed, added: [] });
      return removed;
    },
  });
  await flushUdpFlows({ host, mappings: removed });
};
