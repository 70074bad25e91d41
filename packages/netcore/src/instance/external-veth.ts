import { toExternalIpBatch } from '../kernel/command.js';
import type { Host } from '../kernel/host.js';
import { runIpBatch } from '../kernel/links.js';
import { renderBridgeSideLines, renderInstanceSideLines } from './instance-links.js';
import { runTogether } from './instance-veth.js';

/** The process id of a runtime's `/proc/PID/ns/net`; undefined for any other path (a bind mount). */
export const readNetnsPid = (path: string) => {
  const match = /^\/proc\/([1-9][0-9]*)\/ns\/net$/.exec(path);
  return match ? Number(match[1]) : undefined;
};

/**
 * The `ip` line run in the node's namespace that makes an instance's veth pair with its inner end made
 * straight in the runtime's namespace, named by the process id that holds it (`netns PID`: the kernel
 * finds the namespace by the process, and `ip` opens no file, so the node's long-lived `ip` keeps nothing
 * of it; `netns PATH` would leave it an open descriptor, and the namespace alive, for good).
 */
export const renderExternalVethLines = ({
  vethName,
  interfaceName,
  mtu,
  pid,
}: {
  vethName: string;
  interfaceName: string;
  mtu: number;
  pid: number;
}) => [
  [
    'link',
    'add',
    vethName,
    'mtu',
    String(mtu),
    'type',
    'veth',
    'peer',
    'name',
    interfaceName,
    'mtu',
    String(mtu),
    'netns',
    String(pid),
  ],
];

/**
 * A new instance in a runtime's namespace known as `/proc/PID/ns/net`: the pair is made by the node's
 * long-lived `ip` (no process started), then the inner end's address and route (the only lines that need a
 * process inside) and the outer end's attach to the bridge go at the same time. An interface of that name
 * already in the runtime's namespace fails the first line ('File exists'), before anything is made.
 */
export const configureExternalVeth = async ({
  host,
  pid,
  path,
  interfaceName,
  vethName,
  instanceId,
  instanceIpCidr,
  nodeIpAddr,
  bridgeName,
  mtu,
  isIsolated,
  isIpv6Silent,
}: {
  host: Host;
  pid: number;
  path: string;
  interfaceName: string;
  vethName: string;
  instanceId: string;
  instanceIpCidr: string;
  nodeIpAddr: string;
  bridgeName: string;
  mtu: number;
  isIsolated: boolean;
  isIpv6Silent: boolean;
}) => {
  await runIpBatch({ host, lines: renderExternalVethLines({ vethName, interfaceName, mtu, pid }) });
  await runTogether([
    () =>
      host.runner.run(
        toExternalIpBatch({
          path,
          lines: renderInstanceSideLines({ instanceIpCidr, nodeIpAddr, interfaceName }),
        }),
      ),
    () =>
      runIpBatch({
        host,
        lines: renderBridgeSideLines({
          vethName,
          bridgeName,
          instanceId,
          isIsolated,
          isNew: true,
          isIpv6Silent,
          instanceIpCidr,
        }),
      }),
  ]);
};
