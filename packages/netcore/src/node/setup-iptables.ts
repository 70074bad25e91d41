import type { Host } from '../kernel/host.js';
import { applyRestoreScript, readIptables } from '../kernel/iptables.js';
import { writeSysctls } from '../kernel/sysctl.js';
import { setupNftTable } from '../port-mappings/nft-port-mappings.js';
import { ZSetupIptablesRequest } from '../schemas.js';
import { parseInput } from '../validate.js';
import { renderNodeScript } from './node-rules.js';
import { renderNodeSysctls } from './node-sysctls.js';
import { readNodeConfig } from './read-node.js';

/**
 * Re-creates the node's rules and sysctls (after a reboot or a flush of the tables) from its bridge.
 * Idempotent: every rule exists once afterwards (and our nftables table, on a node that uses it). Port mappings and peers are kept when their chains exist;
 * after a flush, re-apply them with setupInstance/setPortMappings and addOtherNodes.
 */
export const setupIptables = async ({ host, request }: { host: Host; request: unknown }) => {
  const { nodeId } = parseInput({ schema: ZSetupIptablesRequest, input: request });
  const { config } = await readNodeConfig({ host, nodeId });
  await writeSysctls({ host, values: renderNodeSysctls(config) });
  const saved = await readIptables({ host });
  await applyRestoreScript({ host, script: renderNodeScript({ config, saved }) });
  if (config.portMappingBackend === 'nftables') await setupNftTable({ host });
};
