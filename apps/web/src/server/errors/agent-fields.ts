import type { AgentInputs, AgentTransportErrorKind } from '@kudo/agent/client';
import type { WebErrorCode } from './web-error-codes.js';

/** Dotted paths into a request's objects (`nodeIp.externalIpAddr`); an array's path covers its items. */
type ObjectPath<T> = T extends readonly unknown[]
  ? never
  : T extends object
    ? { [K in keyof T & string]-?: K | `${K}.${ObjectPath<NonNullable<T[K]>>}` }[keyof T & string]
    : never;

/**
 * Where each field of an agent operation's request came from in the web request that caused it: a netcore
 * field path (or a prefix of one: `ports` covers `ports.1.hostPort`) to the web field (prefix) to highlight,
 * or `null` for what the web request does not carry (the control plane chose it: shown as a general notice).
 */
type FieldMap<Operation extends keyof AgentInputs> = Partial<
  Record<ObjectPath<NonNullable<AgentInputs[Operation]>>, string | null>
>;

type TransportMap = Partial<Record<AgentTransportErrorKind, { field: string; code?: WebErrorCode }>>;

type RequestMap = {
  [Operation in keyof AgentInputs]?: FieldMap<Operation>;
} & { transport?: TransportMap };

/**
 * The one table from the agent's (netcore's) requests to the web requests that cause them, keyed by the
 * web procedure. A netcore refusal of `instanceIpCidr` in the setupInstance of an `instance.create` lands
 * under that form's `ipAddr` input; `ports.1.hostPort` under `ports.1.hostPort`; a new agent that refuses
 * the token of a `node.add` under `agentToken`.
 */
export const agentFieldMaps = {
  'instance.create': {
    setupInstance: {
      nodeId: 'nodeId',
      // The node's own address: the form chose the node.
      nodeIpAddr: 'nodeId',
      instanceId: 'instanceId',
      instanceIpCidr: 'ipAddr',
      ports: 'ports',
    },
  },
  'instance.delete': {
    cleanInstance: { instanceId: 'instanceId', ports: null, instanceIpCidr: null },
  },
  'portMapping.set': {
    setPortMappings: { instanceId: 'instanceId', ports: 'ports' },
  },
  'node.add': {
    // The health check of the new agent: the form's URL and token are what reached it, or did not.
    transport: {
      unreachable: { field: 'agentUrl' },
      timeout: { field: 'agentUrl' },
      incompatible: { field: 'agentUrl' },
      // The token is this request's own input: a refusal of it is a wrong input, not a broken node.
      unauthorised: { field: 'agentToken', code: 'INVALID_INPUT' },
    },
    setupNode: {
      // The node id is the one the agent at `agentUrl` reports.
      nodeId: 'agentUrl',
      nodeIpCidr: 'subnet',
      // The other nodes, the isolation, the protected ports and the uplink: not in the form.
      nodesIps: null,
      isolation: null,
      protectedPorts: null,
      uplinkInterface: null,
      portMappingBackend: null,
    },
    newNodeInCluster: {
      nodeId: 'agentUrl',
      'nodeIp.clusterIpCidr': 'subnet',
      'nodeIp.externalIpAddr': 'externalIpAddr',
    },
  },
} as const satisfies Record<string, RequestMap>;

/** A web procedure whose agent failures name its own fields. */
export type WebRequestKind = keyof typeof agentFieldMaps;

/** The web field a netcore field of `operation`'s request stands for, in the web request `request`. */
export const toWebField = ({
  request,
  operation,
  field,
}: {
  request: WebRequestKind | undefined;
  operation: string | undefined;
  field: string | undefined;
}): string | undefined => {
  if (!request || !operation || !field) return undefined;
  const map: Record<string, string | null> | undefined = (
    agentFieldMaps[request] as Record<string, Record<string, string | null>>
  )[operation];
  if (!map || operation === 'transport') return undefined;
  const prefix = Object.keys(map)
    .filter((key) => field === key || field.startsWith(`${key}.`))
    .sort((a, b) => b.length - a.length)[0];
  const target = prefix === undefined ? undefined : map[prefix];
  if (prefix === undefined || !target) return undefined;
  return `${target}${field.slice(prefix.length)}`;
};

/** The web field (and code, when the request itself is to blame) a transport failure of `request` names. */
export const toWebTransportField = ({
  request,
  kind,
}: {
  request: WebRequestKind | undefined;
  kind: AgentTransportErrorKind;
}): { field: string; code?: WebErrorCode } | undefined => {
  if (!request) return undefined;
  const transport = (agentFieldMaps[request] as RequestMap).transport;
  return transport?.[kind];
};
