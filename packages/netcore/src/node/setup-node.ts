import { doNetworksOverlap, toNetwork } from '../addressing.js';
import { applyPeers, validatePeers } from '../cluster/apply-peers.js';
import { toPeer } from '../cluster/peer-rules.js';
import { NetcoreError } from '../errors.js';
import { warmUpInstanceSetup } from '../instance/warm-up.js';
import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables, readIptablesCached } from '../kernel/iptables.js';
import { type Link, readLinks, readRoutes, runIpBatch } from '../kernel/links.js';
import { renderConvergeScript } from '../kernel/our-rules.js';
import { readSysctls, writeSysctls } from '../kernel/sysctl.js';
import { createUndoStack } from '../kernel/undo-stack.js';
import { parseAlias } from '../names.js';
import { deleteNftTable, setupNftTable } from '../port-mappings/nft-port-mappings.js';
import { forgetPortBackend, rememberPortBackend } from '../port-mappings/port-backend.js';
import { ZSetupNodeRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { formatBridgeAddress } from './bridge-address.js';
import { getHostCache } from './host-cache.js';
import { createNodeConfig, formatBridgeAlias, type NodeConfig, parseNodeConfig } from './node-config.js';
import { renderNodeScript } from './node-rules.js';
import { forwardingSysctl, renderNodeSysctls } from './node-sysctls.js';
import { findOurBridges, forgetNodeConfigs } from './read-node.js';

const findUplink = async ({ host, uplinkInterface }: { host: Host; uplinkInterface: string | undefined }) => {
  if (uplinkInterface) return uplinkInterface;
  const routes = await readRoutes({ host });
  const device = routes.find((route) => route.destination === 'default')?.device;
  if (!device)
    throw new NetcoreError({
      code: 'NOT_FOUND',
      field: 'uplinkInterface',
      reason: 'the node has no default route; name its uplink interface',
    });
  return device;
};

const checkNodeFits = ({ config, links }: { config: NodeConfig; links: readonly Link[] }) => {
  if (!links.some((link) => link.name === config.uplinkInterface))
    throw new NetcoreError({
      code: 'NOT_FOUND',
      field: 'uplinkInterface',
      reason: `no interface named ${config.uplinkInterface}`,
    });
  const other = findOurBridges(links).find((bridge) => bridge.name !== config.bridgeName);
  if (other)
    throw new NetcoreError({
      code: 'CONFLICT',
      field: 'nodeId',
      reason: `another node (bridge ${other.name}, ${other.alias ?? 'no alias'}) is set up in this namespace; clean it first`,
    });
  const bridge = links.find((link) => link.name === config.bridgeName);
  const existing = bridge?.addresses[0];
  if (existing && existing !== config.nodeIpCidr)
    throw new NetcoreError({
      code: 'CONFLICT',
      field: 'nodeIpCidr',
      reason: `node is already set up with ${existing}; clean it first to change its address`,
    });
  const clash = links
    .filter((link) => link.name !== config.bridgeName)
    .flatMap((link) => link.addresses.map((cidr) => ({ link: link.name, cidr })))
    .find(({ cidr }) => doNetworksOverlap({ a: toNetwork(cidr), b: config.subnet }));
  if (clash)
    throw new NetcoreError({
      code: 'CONFLICT',
      field: 'nodeIpCidr',
      reason: `${config.subnet} overlaps ${clash.cidr} on ${clash.link}`,
    });
  return bridge;
};

/**
 * Creates the node's bridge ("CNI") with the node address, enables forwarding, installs the node's rules
 * and adds the other nodes. Idempotent; a failure rolls back everything this call changed.
 */
export const setupNode = async ({ host, request }: { host: Host; request: unknown }) => {
  const input = parseInput({ schema: ZSetupNodeRequest, input: request });
  const links = await readLinks({ host });
  const uplinkInterface = await findUplink({ host, uplinkInterface: input.uplinkInterface });
  const config = createNodeConfig({ ...input, uplinkInterface });
  const bridge = checkNodeFits({ config, links });
  const peers = input.nodesIps.map(toPeer);
  validatePeers({ config, links, peers, fieldPrefix: (index) => `nodesIps.${index}.` });

  forgetNodeConfigs(host);
  forgetPortBackend(host);
  let writtenAlias = '';
  const undo = createUndoStack();
  await undo.guard(async () => {
    const sysctls = renderNodeSysctls(config);
    const previousForwarding =
      (await readSysctls({ host, keys: [forwardingSysctl] }))[forwardingSysctl] ?? '0';
    writtenAlias = formatBridgeAlias({
      config,
      originalForwarding: parseAlias(bridge?.alias).forward ?? previousForwarding,
    });
    if (!bridge)
      undo.push('delete bridge', () => runIpBatch({ host, lines: [['link', 'del', config.bridgeName]] }));
    await runIpBatch({
      host,
      lines: [
        ...(bridge
          ? []
          : [
              [
                'link',
                'add',
                config.bridgeName,
                'address',
                formatBridgeAddress({ bridgeName: config.bridgeName }),
                'type',
                'bridge',
              ],
            ]),
        ['link', 'set', config.bridgeName, 'alias', writtenAlias],
        ...(bridge?.addresses.length ? [] : [['addr', 'add', config.nodeIpCidr, 'dev', config.bridgeName]]),
        ['link', 'set', config.bridgeName, 'up'],
      ],
    });
    undo.push('restore forwarding', () =>
      writeSysctls({ host, values: { [forwardingSysctl]: previousForwarding } }),
    );
    await writeSysctls({ host, values: sysctls });

    const saved = await readIptables({ host });
    undo.push('restore rules', async () =>
      applyRestoreScript({
        host,
        script: renderConvergeScript({ current: await readIptables({ host }), target: saved }),
      }),
    );
    await applyRestoreScript({ host, script: renderNodeScript({ config, saved }) });
    if (config.portMappingBackend === 'nftables') {
      if (!bridge) undo.push('delete nftables table', () => deleteNftTable({ host }));
      await setupNftTable({ host });
    }
    if (peers.length > 0) await applyPeers({ host, config, upsert: peers, remove: [], undo });
  });
  // Ready for the first instance: the node's config known (as a read of the bridge would give it), the
  // helper processes started.
  const written = parseNodeConfig({
    alias: writtenAlias,
    addresses: bridge?.addresses.length ? bridge.addresses : [config.nodeIpCidr],
    bridgeName: config.bridgeName,
  });
  if (written)
    getHostCache(host).nodes.set(config.nodeId, {
      config: written,
      uplinkMtu: links.find((link) => link.name === uplinkInterface)?.mtu ?? 1500,
    });
  rememberPortBackend({ host, backend: config.portMappingBackend });
  await host.runner.prepare?.();
  // A head start for the next setupInstance only: nothing in it may fail the setup that succeeded.
  if (written)
    await readIptablesCached({ host })
      .then((tables) => warmUpInstanceSetup({ host, config: written, tables }))
      .catch(() => undefined);
  return { interfaceName: config.bridgeName };
};
