import type { PrevResult } from './config.js';
import { type CniVersion, hasIpVersionField } from './versions.js';

/** What the agent made for one attachment: the facts a result is built from. */
export type Attachment = {
  ifName: string;
  sandbox: string;
  hostInterfaceName: string;
  instanceIpCidr: string;
  gateway: string;
};

type Interface = { name: string; mac?: string; sandbox?: string };
type Ip = { address: string; gateway?: string; interface?: number; version?: '4' | '6' };
type Route = { dst: string; gw?: string };

/**
 * The result of ADD in the requested version: the previous plugins' interfaces, addresses, routes and
 * DNS first (a chain's result grows), then Kudo's host veth and the container's interface with its
 * address and default route via the node.
 */
export const renderAddResult = ({
  attachment,
  prevResult,
  cniVersion,
}: {
  attachment: Attachment;
  prevResult: PrevResult | undefined;
  cniVersion: CniVersion;
}) => {
  const interfaces: Interface[] = [
    ...(prevResult?.interfaces ?? []).map(({ name, mac, sandbox }) => ({
      name,
      ...(mac === undefined ? {} : { mac }),
      ...(sandbox === undefined ? {} : { sandbox }),
    })),
    { name: attachment.hostInterfaceName },
    { name: attachment.ifName, sandbox: attachment.sandbox },
  ];
  const withVersion = (ip: Ip): Ip => {
    const { version: _, ...rest } = ip;
    return hasIpVersionField(cniVersion) ? { ...rest, version: ip.address.includes(':') ? '6' : '4' } : rest;
  };
  const ips: Ip[] = [
    ...(prevResult?.ips ?? []).map(({ address, gateway, interface: index }) =>
      withVersion({
        address,
        ...(gateway === undefined ? {} : { gateway }),
        ...(index === undefined ? {} : { interface: index }),
      }),
    ),
    withVersion({
      address: attachment.instanceIpCidr,
      gateway: attachment.gateway,
      interface: interfaces.length - 1,
    }),
  ];
  const routes: Route[] = [
    ...(prevResult?.routes ?? []).map(({ dst, gw }) => ({ dst, ...(gw === undefined ? {} : { gw }) })),
    { dst: '0.0.0.0/0', gw: attachment.gateway },
  ];
  return { cniVersion, interfaces, ips, routes, dns: prevResult?.dns ?? {} };
};

/** What a plugin answers to VERSION. */
export const renderVersionResult = ({
  cniVersion,
  supportedVersions,
}: {
  cniVersion: string;
  supportedVersions: readonly string[];
}) => ({ cniVersion, supportedVersions: [...supportedVersions] });
