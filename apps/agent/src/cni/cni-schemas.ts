import { ZExternalNetns, ZHostCidr, ZId, ZInterfaceName, ZPortNumber, ZProtocol } from '@kudo/netcore';
import {
  isAddressInNetwork,
  isIpv4Cidr,
  isIpv4Network,
  isNetworkWithin,
  parseHostCidr,
} from '@kudo/netcore/addressing';
import { z } from 'zod';

/**
 * The shapes of the agent's CNI seam: what the `kudo` plugin sends over the node's unix socket, and the
 * range the control plane delegates. The plugin parses the spec's environment and config; this parses
 * again at the agent's door (one parse per boundary).
 */

/** A container id as the CNI spec allows: letters, digits, `_`, `.`, `-` (what runtimes generate). */
export const ZContainerId = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"');

/** `portMappings` of the spec's runtimeConfig (`hostIP` is accepted and not used: every address maps). */
export const ZCniPortMapping = z.object({
  hostPort: ZPortNumber,
  containerPort: ZPortNumber,
  protocol: z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(ZProtocol)
    .default('tcp'),
  hostIP: z.string().optional(),
});

const ZAttachmentKey = z.object({
  containerId: ZContainerId,
  ifName: ZInterfaceName,
  /** The network's `name` from the CNI config. */
  networkName: ZId,
});

export const ZCniAddRequest = ZAttachmentKey.extend({
  netnsPath: ZExternalNetns.shape.path,
  portMappings: z.array(ZCniPortMapping).max(4096).default([]),
  /** Which runtime asked, when it says (`K8S_POD_NAME`-style CNI_ARGS, or the plugin's guess). */
  runtime: z.string().max(64).default('cni'),
});

export const ZCniDelRequest = ZAttachmentKey.extend({
  netnsPath: ZExternalNetns.shape.path.optional(),
});

export const ZCniCheckRequest = ZAttachmentKey.extend({ netnsPath: ZExternalNetns.shape.path });

export const ZCniGcRequest = z.object({
  networkName: ZId,
  /** `cni.dev/valid-attachments`: every attachment of this network not listed is removed. */
  validAttachments: z.array(z.object({ containerId: ZContainerId, ifName: ZInterfaceName })).max(100_000),
});

/** What the control plane delegates: the node's address and the part of its subnet the agent allocates. */
export const ZCniRange = z
  .object({
    nodeIpCidr: ZHostCidr,
    rangeCidr: z.string().refine(isIpv4Network, 'must be a network such as 10.0.1.128/25'),
  })
  .superRefine(({ nodeIpCidr, rangeCidr }, context) => {
    if (!isIpv4Cidr(nodeIpCidr) || !isIpv4Network(rangeCidr)) return;
    const { address, network } = parseHostCidr(nodeIpCidr);
    if (!isNetworkWithin({ network: rangeCidr, outer: network }))
      context.addIssue({
        code: 'custom',
        path: ['rangeCidr'],
        message: `must lie inside the node's subnet ${network}`,
      });
    else if (isAddressInNetwork({ address, network: rangeCidr }))
      context.addIssue({
        code: 'custom',
        path: ['rangeCidr'],
        message: `must not hold the node's address ${address}`,
      });
  });

export type TCniAddRequest = z.output<typeof ZCniAddRequest>;
export type TCniDelRequest = z.output<typeof ZCniDelRequest>;
export type TCniCheckRequest = z.output<typeof ZCniCheckRequest>;
export type TCniGcRequest = z.output<typeof ZCniGcRequest>;
export type TCniRange = z.output<typeof ZCniRange>;
