import { isAddressInNetwork, parseHostCidr } from '@kudo/netcore/addressing';
import {
  ZId,
  ZIpv4Addr,
  ZIpv4Cidr,
  ZPortNumber,
  ZPorts,
  ZProtocol,
  ZSetupInstanceRequest,
} from '@kudo/netcore/schemas';
import { z } from 'zod';

/**
 * The dialogs' schemas: what a form holds (text from inputs) piped into netcore's own request schemas, so
 * a form refuses exactly what the API would, with the same messages and the same field paths
 * (`ports.1.hostPort`). Uniqueness (ids, addresses, host ports of other instances) is the server's to
 * decide, against the database: its refusal lands under the same inputs.
 */

/** A number typed into an input, read as the port number netcore checks. */
export const ZPortText = z
  .string()
  .trim()
  .regex(/^\d+$/, 'must be a number')
  .transform(Number)
  .pipe(ZPortNumber);

/** A row of the port editor: host port, instance port, protocol. */
export const ZPortDraft = z.object({ hostPort: ZPortText, instancePort: ZPortText, protocol: ZProtocol });
export type PortDraft = z.input<typeof ZPortDraft>;

/** Hands `value` to `schema` and reports its issues where they are (paths relative to the value). */
const checkWith =
  (schema: z.ZodType) =>
  (value: unknown, context: z.RefinementCtx): void => {
    const result = schema.safeParse(value);
    for (const issue of result.error?.issues ?? [])
      context.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  };

/** The rows of the port editor, checked as netcore checks a list (each host port once per protocol). */
export const ZPortDrafts = z.array(ZPortDraft).superRefine(checkWith(ZPorts));

export const emptyPortDraft: PortDraft = { hostPort: '', instancePort: '', protocol: 'tcp' };

/** A port mapping as the editor shows it. */
export const toPortDraft = (port: {
  hostPort: number;
  instancePort: number;
  protocol: string;
}): PortDraft => ({
  hostPort: String(port.hostPort),
  instancePort: String(port.instancePort),
  protocol: port.protocol === 'udp' ? 'udp' : 'tcp',
});

const ZTrimmedId = z.string().trim().pipe(ZId);

type NodeAddressing = { id: string; subnet: string; nodeIpAddr: string };

/**
 * Why `ipAddr` cannot be an instance's address on `node`: outside the node's subnet, or (in netcore's
 * words) an `instanceIpCidr` netcore's setupInstance refuses for that node (its network, broadcast or
 * bridge address). Whether another instance holds it is the server's to say.
 */
export const checkInstanceAddress = ({ ipAddr, node }: { ipAddr: string; node: NodeAddressing }) => {
  const address = ZIpv4Addr.safeParse(ipAddr);
  if (!address.success) return address.error.issues[0]?.message;
  if (!isAddressInNetwork({ address: ipAddr, network: node.subnet }))
    return `${ipAddr} is not in the node's subnet ${node.subnet}`;
  const request = ZSetupInstanceRequest.safeParse({
    nodeId: node.id,
    nodeIpAddr: node.nodeIpAddr,
    instanceId: 'address-check',
    instanceIpCidr: `${ipAddr}/${parseHostCidr(node.subnet).prefixLength}`,
  });
  const issue = request.error?.issues.find((candidate) => candidate.path[0] === 'instanceIpCidr');
  return issue ? `${ipAddr}: ${issue.message}` : undefined;
};

/** The create-instance dialog: node, id, an allocated or a chosen address, port mappings. */
export const createInstanceFormSchema = ({ nodes }: { nodes: readonly NodeAddressing[] }) =>
  z
    .object({
      nodeId: ZId,
      instanceId: ZTrimmedId,
      addressMode: z.enum(['allocate', 'choose']),
      ipAddr: z.string().trim(),
      ports: ZPortDrafts,
    })
    .superRefine(({ nodeId, addressMode, ipAddr }, context) => {
      const node = nodes.find((candidate) => candidate.id === nodeId);
      if (!node) context.addIssue({ code: 'custom', path: ['nodeId'], message: 'choose a node' });
      else if (addressMode === 'choose') {
        const problem = checkInstanceAddress({ ipAddr, node });
        if (problem) context.addIssue({ code: 'custom', path: ['ipAddr'], message: problem });
      }
    })
    .transform(({ addressMode, ipAddr, ...request }) => ({
      ...request,
      ...(addressMode === 'choose' ? { ipAddr } : {}),
    }));

/** The edit-ports dialog: the instance's mappings become exactly these rows. */
export const ZEditPortsForm = z.object({ ports: ZPortDrafts });

/**
 * The add-port-mapping dialog: one more mapping for an instance, checked with the instance's other
 * mappings as the API checks the whole list (its error at `ports.N` is this form's field).
 */
export const addPortMappingFormSchema = ({
  instances,
}: {
  instances: readonly {
    id: string;
    portMappings: { hostPort: number; instancePort: number; protocol: string }[];
  }[];
}) =>
  z.object({ instanceId: ZId, mapping: ZPortDraft }).transform(({ instanceId, mapping }, context) => {
    const existing = instances.find((instance) => instance.id === instanceId)?.portMappings ?? [];
    const ports = ZPorts.safeParse([
      ...existing.map(toPortDraft).map((port) => ZPortDraft.parse(port)),
      mapping,
    ]);
    if (!ports.success) {
      for (const issue of ports.error.issues)
        context.addIssue({
          code: 'custom',
          message: issue.message,
          path: issue.path[0] === existing.length ? ['mapping', ...issue.path.slice(1)] : ['instanceId'],
        });
      return z.NEVER;
    }
    return { instanceId, ports: ports.data };
  });

const ZOptionalText = z
  .string()
  .trim()
  .transform((value) => value || undefined);

/** The add-node dialog: where the agent is, its token, the node's external address, optional name and subnet. */
export const ZAddNodeForm = z.object({
  agentUrl: z.string().trim().min(1, 'must not be empty'),
  agentToken: z.string().min(1, 'must not be empty'),
  externalIpAddr: z.string().trim().pipe(ZIpv4Addr),
  name: ZOptionalText,
  subnet: ZOptionalText.pipe(ZIpv4Cidr.optional()),
});

/** The address-plan dialog: the cluster network and the prefix length of each node's subnet. */
export const ZClusterPlanForm = z.object({
  clusterCidr: z.string().trim().pipe(ZIpv4Cidr),
  nodePrefixLength: z.string().trim().regex(/^\d+$/, 'must be a prefix length such as 24').transform(Number),
});
