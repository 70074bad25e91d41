import { NetcoreError } from '../errors.js';
import type { Host } from '../kernel/host.js';
import { type Link, readLinks } from '../kernel/links.js';
import { getBridgeName, isOurInterfaceName } from '../names.js';
import { getHostCache } from './host-cache.js';
import { type NodeConfig, parseNodeConfig } from './node-config.js';

export const findOurBridges = (links: readonly Link[]) =>
  links.filter((link) => link.kind === 'bridge' && isOurInterfaceName(link.name));

/** The config of a node set up in the host namespace, read back from its bridge; undefined when absent. */
export const findNodeConfig = ({
  links,
  nodeId,
}: {
  links: readonly Link[];
  nodeId: string;
}): NodeConfig | undefined => {
  const bridgeName = getBridgeName(nodeId);
  const bridge = links.find((link) => link.name === bridgeName);
  return bridge && parseNodeConfig({ alias: bridge.alias, addresses: bridge.addresses, bridgeName });
};

/** Like findNodeConfig, but a node that is not set up here is an error naming the field. */
export const readNodeConfig = async ({
  host,
  nodeId,
  field = 'nodeId',
}: {
  host: Host;
  nodeId: string;
  field?: string;
}) => {
  const links = await readLinks({ host });
  const config = findNodeConfig({ links, nodeId });
  if (!config)
    throw new NetcoreError({
      code: 'NOT_FOUND',
      field,
      reason: `node '${nodeId}' is not set up here (no bridge ${getBridgeName(nodeId)}); run setupNode first`,
    });
  return { config, links };
};

/** The node set up in this host namespace (one per namespace), found from its bridge. */
export const readLocalNodeConfig = async ({ host }: { host: Host }) => {
  const links = await readLinks({ host });
  const configs = findOurBridges(links).flatMap((bridge) => {
    const config = parseNodeConfig({
      alias: bridge.alias,
      addresses: bridge.addresses,
      bridgeName: bridge.name,
    });
    return config ? [config] : [];
  });
  const [config] = configs;
  if (!config)
    throw new NetcoreError({
      code: 'NOT_FOUND',
      reason: 'no node is set up in this namespace; run setupNode first',
    });
  return { config, links };
};

/** The node's config and uplink MTU, from the cache kept since the last read, or read now. */
export const readNodeConfigCached = async ({ host, nodeId }: { host: Host; nodeId: string }) => {
  const cache = getHostCache(host);
  const cached = cache.nodes.get(nodeId);
  if (cached) return cached;
  const { config, links } = await readNodeConfig({ host, nodeId });
  const entry = {
    config,
    uplinkMtu: links.find((link) => link.name === config.uplinkInterface)?.mtu ?? 1500,
  };
  cache.nodes.set(nodeId, entry);
  return entry;
};

export const forgetNodeConfigs = (host: Host) => getHostCache(host).nodes.clear();
