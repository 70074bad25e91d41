import { NetcoreError, ZSetupNodeRequest } from '@kudo/netcore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZCreateInstanceRequest } from '../instances/create-instance.js';
import { ZInstanceIdRequest } from '../instances/delete-instance.js';
import { ZAddNodeRequest } from '../nodes/add-node.js';
import { toNodeRequest, toSetupInstanceRequest } from '../nodes/node-model.js';
import { ZSetPortMappingsRequest } from '../port-mappings/set-port-mappings.js';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createFakeAgentPlane, type FakeAgentPlane } from '../testing/fake-agent-plane.js';
import { callHttp } from '../testing/http-call.js';
import { agentFieldMaps, toWebField, toWebTransportField, type WebRequestKind } from './agent-fields.js';

/** Every leaf path of a request (`ports.1.hostPort`), as netcore names a field in its errors. */
const listLeafPaths = (value: unknown, prefix = ''): string[] => {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  return entries.flatMap(([key, item]) => listLeafPaths(item, prefix ? `${prefix}.${key}` : key));
};

const node = { id: 'node1', subnet: '10.0.0.0/24', nodeIpAddr: '10.0.0.1', externalIpAddr: '198.51.100.11' };
const peer = { id: 'node2', subnet: '10.0.1.0/24', nodeIpAddr: '10.0.1.1', externalIpAddr: '198.51.100.12' };
const ports = [
  { hostPort: 80, instancePort: 8080, protocol: 'tcp' },
  { hostPort: 53, instancePort: 53, protocol: 'udp' },
];

/**
 * Each agent call a web form causes, built the way the services build it, and the web field each of its
 * netcore fields must land under (undefined: not in the form, so the general notice).
 */
const walks: {
  request: WebRequestKind;
  operation: string;
  netcoreRequest: object;
  schema: { shape: object };
  expected: Record<string, string | undefined>;
}[] = [
  {
    request: 'instance.create',
    operation: 'setupInstance',
    netcoreRequest: toSetupInstanceRequest({
      node,
      instance: { id: 'web-1', ipAddr: '10.0.0.2', portMappings: ports },
    }),
    schema: ZCreateInstanceRequest,
    expected: {
      nodeId: 'nodeId',
      nodeIpAddr: 'nodeId',
      instanceId: 'instanceId',
      instanceIpCidr: 'ipAddr',
      'ports.0.hostPort': 'ports.0.hostPort',
      'ports.0.instancePort': 'ports.0.instancePort',
      'ports.0.protocol': 'ports.0.protocol',
      'ports.1.hostPort': 'ports.1.hostPort',
      'ports.1.instancePort': 'ports.1.instancePort',
      'ports.1.protocol': 'ports.1.protocol',
    },
  },
  {
    request: 'portMapping.set',
    operation: 'setPortMappings',
    netcoreRequest: { instanceId: 'web-1', ports },
    schema: ZSetPortMappingsRequest,
    expected: {
      instanceId: 'instanceId',
      'ports.0.hostPort': 'ports.0.hostPort',
      'ports.0.instancePort': 'ports.0.instancePort',
      'ports.0.protocol': 'ports.0.protocol',
      'ports.1.hostPort': 'ports.1.hostPort',
      'ports.1.instancePort': 'ports.1.instancePort',
      'ports.1.protocol': 'ports.1.protocol',
    },
  },
  {
    request: 'instance.delete',
    operation: 'cleanInstance',
    netcoreRequest: { instanceId: 'web-1' },
    schema: ZInstanceIdRequest,
    expected: { instanceId: 'instanceId' },
  },
  {
    request: 'node.add',
    operation: 'setupNode',
    // As add-node sends it, plus every optional field of the schema (netcore may name any of them).
    netcoreRequest: {
      nodeId: node.id,
      nodeIpCidr: toNodeRequest(node).nodeIp.clusterIpCidr,
      nodesIps: [toNodeRequest(peer)],
      isolation: 'none',
      protectedPorts: [7070],
      uplinkInterface: 'eth0',
      portMappingBackend: 'nftables',
    },
    schema: ZAddNodeRequest,
    expected: {
      nodeId: 'agentUrl',
      nodeIpCidr: 'subnet',
      'nodesIps.0.nodeId': undefined,
      'nodesIps.0.nodeIp.clusterIpCidr': undefined,
      'nodesIps.0.nodeIp.externalIpAddr': undefined,
      isolation: undefined,
      'protectedPorts.0': undefined,
      uplinkInterface: undefined,
      portMappingBackend: undefined,
    },
  },
  {
    request: 'node.add',
    operation: 'newNodeInCluster',
    netcoreRequest: toNodeRequest(node),
    schema: ZAddNodeRequest,
    expected: {
      nodeId: 'agentUrl',
      'nodeIp.clusterIpCidr': 'subnet',
      'nodeIp.externalIpAddr': 'externalIpAddr',
    },
  },
];

describe('the agent field map', () => {
  it('covers every field of setupNode (the walk below sends them all)', () => {
    expect(Object.keys(ZSetupNodeRequest.shape).sort()).toEqual(
      [
        'isolation',
        'nodeId',
        'nodeIpCidr',
        'nodesIps',
        'portMappingBackend',
        'protectedPorts',
        'uplinkInterface',
      ].sort(),
    );
  });

  it.each(walks)(
    '$request: every netcore field of $operation lands under its web field',
    ({ request, operation, netcoreRequest, schema, expected }) => {
      const fields = listLeafPaths(netcoreRequest);
      // A new field in the agent's request must be placed in the table (and here) before it ships.
      expect(fields.sort()).toEqual(Object.keys(expected).sort());
      for (const field of fields) {
        const webField = toWebField({ request, operation, field });
        expect({ field, webField }).toEqual({ field, webField: expected[field] });
        // Every web field is an input of the web request's own schema.
        if (webField) expect(Object.keys(schema.shape)).toContain(webField.split('.')[0]);
      }
    },
  );

  it('names no field for an operation or request it has no entry for', () => {
    expect(toWebField({ request: 'instance.create', operation: 'cleanInstance', field: 'instanceId' })).toBe(
      undefined,
    );
    expect(toWebField({ request: undefined, operation: 'setupInstance', field: 'instanceId' })).toBe(
      undefined,
    );
  });

  it('names the URL of a new agent that cannot be reached, and the token of one that refuses it', () => {
    expect(toWebTransportField({ request: 'node.add', kind: 'unreachable' })).toEqual({ field: 'agentUrl' });
    expect(toWebTransportField({ request: 'node.add', kind: 'timeout' })).toEqual({ field: 'agentUrl' });
    expect(toWebTransportField({ request: 'node.add', kind: 'incompatible' })).toEqual({ field: 'agentUrl' });
    expect(toWebTransportField({ request: 'node.add', kind: 'unauthorised' })).toEqual({
      field: 'agentToken',
      code: 'INVALID_INPUT',
    });
    expect(toWebTransportField({ request: 'instance.create', kind: 'unauthorised' })).toBe(undefined);
  });

  it('maps only to requests the walk above checks', () => {
    const walked = new Set(walks.map(({ request, operation }) => `${request} ${operation}`));
    const mapped = Object.entries(agentFieldMaps).flatMap(([request, operations]) =>
      Object.keys(operations)
        .filter((operation) => operation !== 'transport')
        .map((operation) => `${request} ${operation}`),
    );
    expect(mapped.sort()).toEqual([...walked].sort());
  });
});

describe('an agent refusal reaches the browser under the form field', () => {
  let database: FakeAgentPlane['database'];
  const fake = createFakeAgentGateway();
  const agent = fake.addAgent({ nodeId: 'node1' });
  let plane: FakeAgentPlane['plane'];

  const call = async ({ path, input }: { path: string; input: unknown }) => {
    const response = await callHttp({ services: plane.services, path, input });
    const body = (await response.json()) as {
      error: { message: string; data: { web: { code: string; field?: string; nodeId?: string } } };
    };
    return { status: response.status, ...body.error };
  };

  beforeAll(async () => {
    ({ database, plane } = await createFakeAgentPlane({ gateway: fake.gateway, nodes: [agent] }));
  });
  afterAll(async () => {
    await database?.remove();
  });

  it("netcore's instanceIpCidr is the create-instance dialog's address field", async () => {
    fake.failNext({
      url: agent.url,
      operation: 'setupInstance',
      error: new NetcoreError({ code: 'CONFLICT', field: 'instanceIpCidr', reason: '10.0.0.9 is in use' }),
    });
    const refused = await call({
      path: 'instance.create',
      input: { nodeId: 'node1', instanceId: 'web-9', ipAddr: '10.0.0.9' },
    });
    expect(refused.status).toBe(409);
    expect(refused.data.web).toEqual({ code: 'CONFLICT', field: 'ipAddr', nodeId: 'node1' });
    expect(refused.message).toContain('instanceIpCidr: 10.0.0.9 is in use');
  });

  it("netcore's ports.1.hostPort is the same row of the port-mappings dialog", async () => {
    await plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-1' });
    fake.failNext({
      url: agent.url,
      operation: 'setPortMappings',
      error: new NetcoreError({ code: 'CONFLICT', field: 'ports.1.hostPort', reason: 'host port in use' }),
    });
    const refused = await call({
      path: 'portMapping.set',
      input: {
        instanceId: 'web-1',
        ports: [
          { hostPort: 8080, instancePort: 80 },
          { hostPort: 8443, instancePort: 443 },
        ],
      },
    });
    expect(refused.data.web).toMatchObject({ code: 'CONFLICT', field: 'ports.1.hostPort' });
  });

  it("a new agent's refusal of setupNode's node address is the add-node dialog's subnet field", async () => {
    const second = fake.addAgent({ nodeId: 'node2' });
    fake.failNext({
      url: second.url,
      operation: 'setupNode',
      error: new NetcoreError({ code: 'CONFLICT', field: 'nodeIpCidr', reason: 'in use on the uplink' }),
    });
    const refused = await call({
      path: 'node.add',
      input: { agentUrl: second.url, agentToken: second.token, externalIpAddr: '198.51.100.12' },
    });
    expect(refused.data.web).toMatchObject({ code: 'CONFLICT', field: 'subnet', nodeId: 'node2' });
  });

  it("a new agent that refuses the token is the add-node dialog's token field", async () => {
    const third = fake.addAgent({ nodeId: 'node3' });
    const refused = await call({
      path: 'node.add',
      input: { agentUrl: third.url, agentToken: 'not-its-token', externalIpAddr: '198.51.100.13' },
    });
    expect(refused.status).toBe(400);
    expect(refused.data.web).toEqual({ code: 'INVALID_INPUT', field: 'agentToken' });
  });
});
