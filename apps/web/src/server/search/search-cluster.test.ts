import { describe, expect, it } from 'vitest';
import { findSearchResults, searchResultLimit, ZSearchRequest } from './search-cluster.js';

const node = (id: string, octet: number) => ({
  id,
  name: `${id}.lab`,
  externalIpAddr: `198.51.100.${octet}`,
  subnet: `10.0.${octet}.0/24`,
  nodeIpAddr: `10.0.${octet}.1`,
  agentUrl: `https://198.51.100.${octet}:7443/`,
});

const instance = ({
  id,
  nodeId,
  ipAddr,
  hostPorts = [],
  containerId = null,
}: {
  id: string;
  nodeId: string;
  ipAddr: string;
  hostPorts?: number[];
  containerId?: string | null;
}) => ({
  id,
  nodeId,
  ipAddr,
  namespaceName: `kudo-${id}`,
  interfaceName: 'eth0',
  hostInterfaceName: `kv-${id}`,
  containerId,
  portMappings: hostPorts.map((hostPort) => ({ hostPort, instancePort: 80, protocol: 'tcp' })),
});

const nodes = [node('node2', 2), node('node1', 1)];
const instances = [
  instance({ id: 'web-1', nodeId: 'node1', ipAddr: '10.0.1.2', hostPorts: [8080, 8443] }),
  instance({ id: 'web-2', nodeId: 'node2', ipAddr: '10.0.2.2', hostPorts: [8080] }),
  instance({ id: 'api-1', nodeId: 'node1', ipAddr: '10.0.1.3', hostPorts: [9090] }),
  instance({ id: 'ctr-1', nodeId: 'node2', ipAddr: '10.0.2.3', containerId: '4f0c9e2ab1d7' }),
];

const search = (text: string) => findSearchResults({ text, nodes, instances });

describe('cluster search', () => {
  it('a host port lists every mapping of it, on every node, with its instance, first and by node', () => {
    const results = search('8080');
    expect(results.filter((result) => result.kind === 'port-mapping')).toEqual([
      {
        kind: 'port-mapping',
        nodeId: 'node1',
        instanceId: 'web-1',
        hostPort: 8080,
        instancePort: 80,
        protocol: 'tcp',
        href: '/instances/web-1',
      },
      {
        kind: 'port-mapping',
        nodeId: 'node2',
        instanceId: 'web-2',
        hostPort: 8080,
        instancePort: 80,
        protocol: 'tcp',
        href: '/instances/web-2',
      },
    ]);
    expect(results.slice(0, 2).map((result) => result.kind)).toEqual(['port-mapping', 'port-mapping']);
  });

  it('a port nobody maps finds no mapping; a number out of the port range is no port', () => {
    expect(search('7000').filter((result) => result.kind === 'port-mapping')).toEqual([]);
    expect(search('80')).toEqual([]);
    expect(search('70000')).toEqual([]);
  });

  it('finds an instance by id, address, namespace and container id (prefix too), naming the field', () => {
    expect(search('web-2')).toEqual([
      {
        kind: 'instance',
        instanceId: 'web-2',
        nodeId: 'node2',
        field: 'id',
        value: 'web-2',
        href: '/instances/web-2',
      },
    ]);
    expect(search('10.0.1.3')).toMatchObject([{ kind: 'instance', instanceId: 'api-1', field: 'address' }]);
    expect(search('KUDO-API')).toMatchObject([{ kind: 'instance', instanceId: 'api-1', field: 'namespace' }]);
    expect(search('4f0c9e')).toMatchObject([
      { kind: 'instance', instanceId: 'ctr-1', field: 'container id', value: '4f0c9e2ab1d7' },
    ]);
  });

  it('finds a node by id, name, address and subnet; exact matches before prefixes before substrings', () => {
    expect(search('198.51.100.2')).toMatchObject([
      { kind: 'node', nodeId: 'node2', field: 'external address', href: '/nodes/node2' },
    ]);
    expect(search('10.0.2.0/24')).toMatchObject([{ kind: 'node', nodeId: 'node2', field: 'subnet' }]);
    expect(
      search('10.0.1.').map((result) =>
        result.kind === 'node' ? result.nodeId : result.kind === 'instance' ? result.instanceId : '',
      ),
    ).toEqual(['node1', 'web-1', 'api-1']);
    expect(search('node1')[0]).toMatchObject({ kind: 'node', nodeId: 'node1', field: 'id' });
    expect(search('web').map((result) => result.kind)).toEqual(['instance', 'instance']);
  });

  it('finds nothing for a text nothing holds', () => {
    expect(search('nothing-like-this')).toEqual([]);
  });

  it(`returns at most ${searchResultLimit} results`, () => {
    const many = Array.from({ length: 80 }, (_, index) =>
      instance({ id: `many-${index}`, nodeId: 'node1', ipAddr: `10.0.1.${index + 10}` }),
    );
    expect(findSearchResults({ text: 'many', nodes, instances: many })).toHaveLength(searchResultLimit);
  });

  it('refuses an empty or overlong text, naming the reason', () => {
    expect(ZSearchRequest.safeParse({ text: '  ' }).error?.issues[0]?.message).toBe(
      'type something to search for',
    );
    expect(ZSearchRequest.safeParse({ text: 'x'.repeat(201) }).success).toBe(false);
    expect(ZSearchRequest.parse({ text: ' 8080 ' })).toEqual({ text: '8080' });
  });
});
