import { describe, expect, it } from 'vitest';
import { emptyInstanceFilter, filterInstances } from './filter-instances';

const instances = [
  {
    id: 'web-1',
    nodeId: 'node1',
    ipAddr: '10.0.1.2',
    status: 'running',
    namespaceName: 'ns-web',
    portMappings: [{ hostPort: 8080, instancePort: 80 }],
  },
  {
    id: 'web-2',
    nodeId: 'node2',
    ipAddr: '10.0.2.2',
    status: 'failed',
    namespaceName: null,
    portMappings: [],
  },
  {
    id: 'db-1',
    nodeId: 'node1',
    ipAddr: '10.0.1.13',
    status: 'running',
    namespaceName: 'ns-db',
    portMappings: [{ hostPort: 5432, instancePort: 5432 }],
  },
];

const ids = (filter: Partial<typeof emptyInstanceFilter>) =>
  filterInstances({ instances, filter: { ...emptyInstanceFilter, ...filter } }).map(({ id }) => id);

describe('filterInstances', () => {
  it('keeps everything without a filter', () => {
    expect(ids({})).toEqual(['web-1', 'web-2', 'db-1']);
  });

  it('searches ids, addresses and namespaces', () => {
    expect(ids({ text: 'WEB' })).toEqual(['web-1', 'web-2']);
    expect(ids({ text: 'ns-db' })).toEqual(['db-1']);
  });

  it('filters by node, address prefix, port and status together', () => {
    expect(ids({ nodeId: 'node1' })).toEqual(['web-1', 'db-1']);
    expect(ids({ address: '10.0.1.' })).toEqual(['web-1', 'db-1']);
    expect(ids({ address: '10.0.1.2' })).toEqual(['web-1']);
    expect(ids({ port: '80' })).toEqual(['web-1']);
    expect(ids({ port: '5432', nodeId: 'node2' })).toEqual([]);
    expect(ids({ status: 'failed' })).toEqual(['web-2']);
  });
});

describe('filterInstances by address', () => {
  it('matches a whole address exactly, not as a prefix', () => {
    const more = [
      ...instances,
      {
        id: 'web-3',
        nodeId: 'node1',
        ipAddr: '10.0.1.23',
        status: 'running',
        namespaceName: null,
        portMappings: [],
      },
    ];
    expect(
      filterInstances({ instances: more, filter: { ...emptyInstanceFilter, address: '10.0.1.2' } }).map(
        ({ id }) => id,
      ),
    ).toEqual(['web-1']);
  });
});
