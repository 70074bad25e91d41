import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { readLinks, readRoutes, runIpBatch } from '../kernel/links.js';
import { writeSysctls } from '../kernel/sysctl.js';
import { getBridgeName, parseAlias, routeProtocol } from '../names.js';
import { deleteNftTable } from '../port-mappings/nft-port-mappings.js';
import { forgetPortBackend } from '../port-mappings/port-backend.js';
import { ZCleanNodeRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { renderCleanNodeScript } from './node-rules.js';
import { forwardingSysctl } from './node-sysctls.js';
import { findOurBridges, forgetNodeConfigs } from './read-node.js';

/**
 * Removes the node's bridge, its chains, hooks and routes to other nodes (and our nftables table on a node
 * whose port mappings live there), and restores the forwarding
 * setting it found. Touches nothing else; succeeds when parts are already gone.
 */
export const cleanNode = async ({ host, request }: { host: Host; request: unknown }) => {
  const { nodeId } = parseInput({ schema: ZCleanNodeRequest, input: request });
  const bridgeName = getBridgeName(nodeId);
  const links = await readLinks({ host });
  const bridge = links.find((link) => link.name === bridgeName);
  const otherBridges = findOurBridges(links).filter((link) => link.name !== bridgeName);
  if (otherBridges.length > 0 && !bridge) return;

  forgetNodeConfigs(host);
  forgetPortBackend(host);
  const [saved, routes] = await Promise.all([
    readIptables({ host }),
    readRoutes({ host, protocol: routeProtocol }),
  ]);
  await applyRestoreScript({ host, script: renderCleanNodeScript({ saved }) });
  // Only a node set up with nftables ran nft: an iptables node's cleanup is what it always was.
  if (parseAlias(bridge?.alias).ports === 'nftables') await deleteNftTable({ host });
  await runIpBatch({
    host,
    lines: [
      ...routes.map((route) => ['route', 'del', route.destination, 'proto', String(routeProtocol)]),
      ...(bridge ? [['link', 'del', bridgeName]] : []),
    ],
  });
  const originalForwarding = parseAlias(bridge?.alias).forward;
  if (originalForwarding === '0' || originalForwarding === '1')
    await writeSysctls({ host, values: { [forwardingSysctl]: originalForwarding } });
};
