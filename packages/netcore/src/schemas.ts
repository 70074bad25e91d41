import { z } from 'zod';
import {
  isAddressInNetwork,
  isIpv4Address,
  isIpv4Cidr,
  isUsableHostAddress,
  parseHostCidr,
} from './addressing.js';

// The issue->field translation travels with the schemas (pure, so a browser form can use it too).
export {
  type FieldIssue,
  formatFieldIssue,
  hasInputIssues,
  type InputIssue,
  parseWithSchema,
  readFirstIssue,
  type SchemaInput,
} from './validate.js';

/**
 * An id of a node or instance: 1-63 characters, a letter or digit first, then letters, digits, `.`, `_`, `-`.
 * It can never pass for a command-line option, and it is safe in names, aliases and rule comments.
 */
export const ZId = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    'must start with a letter or digit, then only letters, digits, ".", "_" or "-"',
  );

export const ZIpv4Addr = z.string().refine(isIpv4Address, 'must be an IPv4 address such as 10.0.0.1');
export const ZIpv4Cidr = z
  .string()
  .refine(isIpv4Cidr, 'must be an IPv4 address with a prefix length, such as 10.0.0.1/24');

/** A host CIDR whose address is usable by a host: not the network or broadcast address of its prefix. */
export const ZHostCidr = ZIpv4Cidr.superRefine((value, context) => {
  if (!isIpv4Cidr(value)) return;
  const cidr = parseHostCidr(value);
  if (cidr.prefixLength > 30)
    context.addIssue({ code: 'custom', message: 'prefix length must be at most /30' });
  else if (!isUsableHostAddress({ address: cidr.address, cidr }))
    context.addIssue({
      code: 'custom',
      message: `${cidr.address} is the network or broadcast address of ${cidr.network}`,
    });
});

export const protocols = ['tcp', 'udp'] as const;
export const ZProtocol = z.enum(protocols);
export const ZPortNumber = z
  .number()
  .int('must be an integer')
  .min(1, 'must be 1-65535')
  .max(65535, 'must be 1-65535');

/** A port mapping: connections to `hostPort` on the node reach `instancePort` in the instance. */
export const ZPort = z.object({
  hostPort: ZPortNumber,
  instancePort: ZPortNumber,
  protocol: ZProtocol.default('tcp'),
});

const refineUniqueHostPorts = (ports: readonly TPort[], context: z.RefinementCtx) => {
  const seen = new Set<string>();
  ports.forEach(({ hostPort, protocol }, index) => {
    const key = `${protocol}/${hostPort}`;
    if (seen.has(key))
      context.addIssue({
        code: 'custom',
        path: [index, 'hostPort'],
        message: `host port ${key} is listed twice`,
      });
    seen.add(key);
  });
};

export const ZPorts = z
  .array(ZPort)
  .max(4096, 'at most 4096 port mappings per instance')
  .superRefine(refineUniqueHostPorts);

export const ZIsolation = z.enum(['none', 'instances']);

/** Where a node keeps its host-port DNAT: iptables rules (the default, as the spec) or an nftables map. */
export const ZPortMappingBackend = z.enum(['iptables', 'nftables']);

export const ZNodeIp = z.object({
  /** The other node's bridge address with its prefix, e.g. 10.0.1.1/24: its instances live in that network. */
  clusterIpCidr: ZHostCidr,
  /** The other node's address on the shared uplink network. */
  externalIpAddr: ZIpv4Addr,
});

export const ZNodeRequest = z.object({ nodeId: ZId, nodeIp: ZNodeIp });

export const ZSetupNodeRequest = z.object({
  nodeId: ZId,
  nodeIpCidr: ZHostCidr,
  nodesIps: z.array(ZNodeRequest).default([]),
  /** The interface that leads out of the node; defaults to the interface of the default route. */
  uplinkInterface: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/, 'must be an interface name (1-15 characters)')
    .optional(),
  isolation: ZIsolation.default('none'),
  /** TCP ports on the node that instances may not reach through the bridge (e.g. the agent's). */
  protectedPorts: z.array(ZPortNumber).max(32, 'at most 32 protected ports').default([]),
  /** `nftables`: host ports in one nftables map (adding or removing one costs the same at any count). */
  portMappingBackend: ZPortMappingBackend.default('iptables'),
});

export const ZNodeIdRequest = z.object({ nodeId: ZId });
export const ZSetupIptablesRequest = ZNodeIdRequest;
export const ZCleanNodeRequest = ZNodeIdRequest;

/** A Linux interface name: 1-15 characters, no `/`, whitespace or `:` (what `ip link` accepts). */
export const ZInterfaceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/, 'must be an interface name (1-15 characters)');

/**
 * A network namespace netcore did not create (a container runtime's): the path of its namespace file
 * (`/proc/PID/ns/net`, `/var/run/netns/NAME`) and the name the instance's interface gets inside it.
 */
export const ZExternalNetns = z.object({
  path: z
    .string()
    .max(4096, 'must be at most 4096 characters')
    .regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path of letters, digits, ".", "_", "-" and "/"')
    .refine((path) => !path.split('/').includes('..'), 'must not contain ".."'),
  interfaceName: ZInterfaceName.default('eth0'),
});

export const ZSetupInstanceRequest = z
  .object({
    nodeId: ZId,
    nodeIpAddr: ZIpv4Addr,
    instanceId: ZId,
    instanceIpCidr: ZHostCidr,
    ports: ZPorts.default([]),
    /** Attach to this namespace (a container runtime's) instead of making the instance's own. */
    netns: ZExternalNetns.optional(),
  })
  .superRefine(({ nodeIpAddr, instanceIpCidr }, context) => {
    if (!isIpv4Address(nodeIpAddr) || !isIpv4Cidr(instanceIpCidr)) return;
    const cidr = parseHostCidr(instanceIpCidr);
    if (!isAddressInNetwork({ address: nodeIpAddr, network: cidr.network }))
      context.addIssue({
        code: 'custom',
        path: ['instanceIpCidr'],
        message: `must be in the node's network (${nodeIpAddr} is not in ${cidr.network})`,
      });
    else if (cidr.address === nodeIpAddr)
      context.addIssue({ code: 'custom', path: ['instanceIpCidr'], message: 'must not be the node address' });
  });

/** Many instances of one node at once: what bringing a node back after a reboot needs. */
export const ZSetupInstancesRequest = z
  .object({
    nodeId: ZId,
    nodeIpAddr: ZIpv4Addr,
    instances: z
      .array(z.object({ instanceId: ZId, instanceIpCidr: ZHostCidr, ports: ZPorts.default([]) }))
      .max(5000, 'at most 5000 instances at once'),
  })
  .superRefine(({ nodeIpAddr, instances }, context) => {
    const ids = new Set<string>();
    const hostPorts = new Set<string>();
    instances.forEach(({ instanceId, instanceIpCidr, ports }, index) => {
      const issue = (path: (string | number)[], message: string) =>
        context.addIssue({ code: 'custom', path: ['instances', index, ...path], message });
      if (ids.has(instanceId)) issue(['instanceId'], `instance '${instanceId}' is listed twice`);
      ids.add(instanceId);
      if (isIpv4Address(nodeIpAddr) && isIpv4Cidr(instanceIpCidr)) {
        const cidr = parseHostCidr(instanceIpCidr);
        if (!isAddressInNetwork({ address: nodeIpAddr, network: cidr.network }))
          issue(
            ['instanceIpCidr'],
            `must be in the node's network (${nodeIpAddr} is not in ${cidr.network})`,
          );
        else if (cidr.address === nodeIpAddr) issue(['instanceIpCidr'], 'must not be the node address');
      }
      ports.forEach(({ hostPort, protocol }, portIndex) => {
        const key = `${protocol}/${hostPort}`;
        if (hostPorts.has(key)) issue(['ports', portIndex, 'hostPort'], `host port ${key} is listed twice`);
        hostPorts.add(key);
      });
    });
  });

export const ZCleanInstanceRequest = z.object({
  instanceId: ZId,
  /** Accepted for compatibility with the spec; netcore finds the instance's rules itself. */
  ports: ZPorts.optional(),
  instanceIpCidr: ZHostCidr.optional(),
  /**
   * The instance lives in a namespace netcore did not create: that namespace is left alone (it may be
   * gone already); the host-side veth and the rules are removed by their names and tags.
   */
  netns: z.object({ path: ZExternalNetns.shape.path.optional() }).optional(),
});

export const ZSetPortMappingsRequest = z.object({ instanceId: ZId, ports: ZPorts });

export type TPort = z.output<typeof ZPort>;
export type TPortInput = z.input<typeof ZPort>;
export type TProtocol = z.output<typeof ZProtocol>;
export type TIsolation = z.output<typeof ZIsolation>;
export type TPortMappingBackend = z.output<typeof ZPortMappingBackend>;
export type TNodeIp = z.output<typeof ZNodeIp>;
export type TNodeRequest = z.output<typeof ZNodeRequest>;
export type TSetupNodeRequest = z.input<typeof ZSetupNodeRequest>;
export type TNodeIdRequest = z.input<typeof ZNodeIdRequest>;
export type TSetupInstanceRequest = z.input<typeof ZSetupInstanceRequest>;
export type TCleanInstanceRequest = z.input<typeof ZCleanInstanceRequest>;
export type TSetPortMappingsRequest = z.input<typeof ZSetPortMappingsRequest>;
export type TSetupInstancesRequest = z.input<typeof ZSetupInstancesRequest>;
export type TExternalNetns = z.output<typeof ZExternalNetns>;
