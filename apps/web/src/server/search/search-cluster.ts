import { z } from 'zod';
import type { Services } from '../services.js';

export const ZSearchRequest = z.object({
  text: z.string().trim().min(1, 'type something to search for').max(200, 'at most 200 characters'),
});
export type TSearchRequest = z.output<typeof ZSearchRequest>;

type SearchNode = {
  id: string;
  name: string;
  externalIpAddr: string;
  subnet: string;
  nodeIpAddr: string;
  agentUrl: string;
};
type SearchInstance = {
  id: string;
  nodeId: string;
  ipAddr: string;
  namespaceName: string | null;
  interfaceName: string | null;
  hostInterfaceName: string | null;
  containerId: string | null;
  portMappings: { hostPort: number; instancePort: number; protocol: string }[];
};

/** One thing the search found, with the field and value that matched and the page to open. */
export type SearchResult =
  | { kind: 'node'; nodeId: string; field: string; value: string; href: string }
  | { kind: 'instance'; instanceId: string; nodeId: string; field: string; value: string; href: string }
  | {
      kind: 'port-mapping';
      nodeId: string;
      instanceId: string;
      hostPort: number;
      instancePort: number;
      protocol: string;
      href: string;
    };

/** At most this many results: the box shows the best ones, the pages show everything. */
export const searchResultLimit = 50;

/** 0 for an exact match, 1 for a prefix, 2 for any other substring, undefined for none (case-insensitive). */
const rankMatch = ({ value, text }: { value: string; text: string }) => {
  const lower = value.toLowerCase();
  if (lower === text) return 0;
  if (lower.startsWith(text)) return 1;
  return lower.includes(text) ? 2 : undefined;
};

/** The best-matching field of `fields` (name and value), or undefined. */
const findBestField = ({ fields, text }: { fields: [string, string | null][]; text: string }) =>
  fields
    .flatMap(([field, value]) => {
      const rank = value === null ? undefined : rankMatch({ value, text });
      return rank === undefined || value === null ? [] : [{ field, value, rank }];
    })
    .sort((a, b) => a.rank - b.rank)[0];

/** A host port the text names exactly (`8080`), or undefined. */
const readHostPort = (text: string) => {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
};

/**
 * Everything of the cluster that `text` names: nodes and instances by id, name, address, subnet, namespace,
 * interface or container id (exact matches first, then prefixes, then substrings), and, when the text is a
 * port number, every mapping with that host port, on every node. Port mappings come first, by node.
 */
export const findSearchResults = ({
  text,
  nodes,
  instances,
}: {
  text: string;
  nodes: readonly SearchNode[];
  instances: readonly SearchInstance[];
}): SearchResult[] => {
  const needle = text.trim().toLowerCase();
  const hostPort = readHostPort(needle);
  const ports = hostPort
    ? instances
        .flatMap((instance) =>
          instance.portMappings
            .filter((mapping) => mapping.hostPort === hostPort)
            .map((mapping) => ({
              kind: 'port-mapping' as const,
              nodeId: instance.nodeId,
              instanceId: instance.id,
              hostPort: mapping.hostPort,
              instancePort: mapping.instancePort,
              protocol: mapping.protocol,
              href: `/instances/${encodeURIComponent(instance.id)}`,
            })),
        )
        .sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.protocol.localeCompare(b.protocol))
    : [];
  const matchedNodes = nodes.flatMap((node) => {
    const best = findBestField({
      text: needle,
      fields: [
        ['id', node.id],
        ['name', node.name],
        ['external address', node.externalIpAddr],
        ['node address', node.nodeIpAddr],
        ['subnet', node.subnet],
        ['agent URL', node.agentUrl],
      ],
    });
    return best
      ? [
          {
            rank: best.rank,
            result: {
              kind: 'node' as const,
              nodeId: node.id,
              field: best.field,
              value: best.value,
              href: `/nodes/${encodeURIComponent(node.id)}`,
            },
          },
        ]
      : [];
  });
  const matchedInstances = instances.flatMap((instance) => {
    const best = findBestField({
      text: needle,
      fields: [
        ['id', instance.id],
        ['address', instance.ipAddr],
        ['namespace', instance.namespaceName],
        ['container id', instance.containerId],
        ['interface', instance.interfaceName],
        ['host interface', instance.hostInterfaceName],
      ],
    });
    return best
      ? [
          {
            rank: best.rank,
            result: {
              kind: 'instance' as const,
              instanceId: instance.id,
              nodeId: instance.nodeId,
              field: best.field,
              value: best.value,
              href: `/instances/${encodeURIComponent(instance.id)}`,
            },
          },
        ]
      : [];
  });
  const ranked = [...matchedNodes, ...matchedInstances]
    .sort((a, b) => a.rank - b.rank)
    .map(({ result }) => result);
  return [...ports, ...ranked].slice(0, searchResultLimit);
};

/** The search over the cluster as the control plane knows it (its database), for the dashboard's search box. */
export const searchCluster = async ({
  services,
  request,
}: {
  services: Services;
  request: TSearchRequest;
}) => {
  const [nodes, instances] = await Promise.all([services.nodes.list(), services.instances.list()]);
  return findSearchResults({ text: request.text, nodes, instances });
};
