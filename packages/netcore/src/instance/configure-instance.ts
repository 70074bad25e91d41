import { isNetcoreError } from '../errors.js';
import { toExternalIpBatch } from '../kernel/command.js';
import type { Host } from '../kernel/host.js';
import { runIpBatch } from '../kernel/links.js';
import { hasIpv6 } from '../kernel/namespaces.js';
import type { TExternalNetns } from '../schemas.js';
import { configureExternalVeth, readNetnsPid } from './external-veth.js';
import {
  canSilenceIpv6,
  formatNodeNamespaceRef,
  renderBridgeSideLines,
  renderInstanceSideLines,
} from './instance-links.js';
import { deleteVeth } from './instance-veth.js';

/**
 * Configures an instance's namespace (making its veth pair when `needsVeth`), then puts the pair's outer
 * end on the node's bridge. A veth of the same name left behind (its namespace deleted by hand: 'File
 * exists'), or one the kernel was still tearing down ('No such device', seen under heavy load), is
 * replaced, once.
 */
export const configureInstance = async ({
  host,
  namespaceName,
  vethName,
  instanceId,
  instanceIpCidr,
  nodeIpAddr,
  bridgeName,
  mtu,
  isIsolated,
  needsVeth,
  netns,
}: {
  host: Host;
  namespaceName: string;
  vethName: string;
  instanceId: string;
  instanceIpCidr: string;
  nodeIpAddr: string;
  bridgeName: string;
  mtu: number;
  isIsolated: boolean;
  needsVeth: boolean;
  /** A namespace netcore did not create, entered by its path, and the interface name inside it. */
  netns?: TExternalNetns | undefined;
}) => {
  const isIpv6Silent = canSilenceIpv6({ hasIpv6: hasIpv6(), mtu });
  // A new pair for a runtime's `/proc/PID/ns/net`: made from the node's side (see external-veth.ts).
  const pid = netns && needsVeth ? readNetnsPid(netns.path) : undefined;
  if (netns && pid !== undefined)
    return configureExternalVeth({
      host,
      pid,
      path: netns.path,
      interfaceName: netns.interfaceName,
      vethName,
      instanceId,
      instanceIpCidr,
      nodeIpAddr,
      bridgeName,
      mtu,
      isIsolated,
      isIpv6Silent,
    });
  const lines = () =>
    renderInstanceSideLines({
      instanceIpCidr,
      nodeIpAddr,
      interfaceName: netns?.interfaceName,
      veth: needsVeth
        ? {
            vethName,
            mtu,
            nodeNamespaceRef: formatNodeNamespaceRef({ hostNamespace: host.namespace }),
            // A runtime's container keeps the IPv6 its runtime expects; our outer end is silent all the same.
            isIpv6Silent: isIpv6Silent && !netns,
          }
        : undefined,
    });
  const configureInside = async () => {
    if (netns) await host.runner.run(toExternalIpBatch({ path: netns.path, lines: lines() }));
    else await runIpBatch({ host, namespace: namespaceName, lines: lines() });
  };
  await configureInside().catch(async (error: unknown) => {
    // Never in a runtime's namespace: its interface of that name is not ours to replace.
    if (!(needsVeth && !netns && isNetcoreError(error) && /File exists|No such device/.test(error.reason)))
      throw error;
    await deleteVeth({ host, vethName });
    await configureInside();
  });
  await runIpBatch({
    host,
    lines: renderBridgeSideLines({
      vethName,
      bridgeName,
      instanceId,
      isIsolated,
      isNew: needsVeth,
      isIpv6Silent,
      instanceIpCidr,
    }),
  });
};
