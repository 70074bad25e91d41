import { describe, expect, it } from 'vitest';
import {
  buildTopology,
  layout,
  shouldAutoCollapse,
  type TopologyInstance,
  type TopologyNode,
} from './build-topology';

const makeNode = (index: number): TopologyNode => ({
  id: `node${index}`,
  name: `node${index}`,
  status: 'ready',
  statusReason: null,
  subnet: `10.0.${index}.0/24`,
  nodeIpAddr: `10.0.${index}.1`,
  externalIpAddr: `198.51.100.${10 + index}`,
});

const makeInstances = ({ nodeId, count }: { nodeId: string; count: number }): TopologyInstance[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `${nodeId}-i${index}`,
    nodeId,
    ipAddr: `10.0.0.${index + 2}`,
    status: 'running',
    portMappings: [],
  }));

const none = new Set<string>();

describe('buildTopology', () => {
  it('puts each instance inside its node group, after the group', () => {
    const nodes = [makeNode(1), makeNode(2)];
    const instances = [
      ...makeInstances({ nodeId: 'node1', count: 2 }),
      ...makeInstances({ nodeId: 'node2', count: 1 }),
    ];
    const graph = buildTopology({ nodes, instances, collapsedNodeIds: none });
    const ids = graph.nodes.map((node) => node.id);
    expect(ids).toEqual([
      'node:node1',
      'instance:node1-i0',
      'instance:node1-i1',
      'node:node2',
      'instance:node2-i0',
    ]);
    const child = graph.nodes.find((node) => node.id === 'instance:node2-i0');
    expect(child && 'parentId' in child ? child.parentId : undefined).toBe('node:node2');
  });

  it('draws one route edge per pair of nodes in a small cluster', () => {
    const nodes = [makeNode(1), makeNode(2), makeNode(3)];
    const graph = buildTopology({ nodes, instances: [], collapsedNodeIds: none });
    expect(graph.edges.map((edge) => edge.id)).toEqual([
      'route:node1:node2',
      'route:node1:node3',
      'route:node2:node3',
    ]);
  });

  it('labels the focused node routes with the peer subnet and external address', () => {
    const nodes = [makeNode(1), makeNode(2)];
    const graph = buildTopology({ nodes, instances: [], collapsedNodeIds: none, focusedNodeId: 'node1' });
    expect(graph.edges[0]?.label).toBe('10.0.2.0/24 via 198.51.100.12');
  });

  it('in a big cluster draws only the focused node routes', () => {
    const nodes = Array.from({ length: 20 }, (_, index) => makeNode(index + 1));
    expect(buildTopology({ nodes, instances: [], collapsedNodeIds: none }).edges).toHaveLength(0);
    const focused = buildTopology({ nodes, instances: [], collapsedNodeIds: none, focusedNodeId: 'node5' });
    expect(focused.edges).toHaveLength(19);
    expect(focused.edges.every((edge) => edge.source === 'node:node5' || edge.target === 'node:node5')).toBe(
      true,
    );
  });

  it('collapsed groups hold no instance elements', () => {
    const nodes = [makeNode(1)];
    const instances = makeInstances({ nodeId: 'node1', count: 30 });
    const graph = buildTopology({ nodes, instances, collapsedNodeIds: new Set(['node1']) });
    expect(graph.nodes).toHaveLength(1);
    expect(graph.nodes[0]?.data).toMatchObject({ instanceCount: 30, isCollapsed: true });
  });

  it('caps the instances drawn per group and counts the rest', () => {
    const nodes = Array.from({ length: 20 }, (_, index) => makeNode(index + 1));
    const instances = nodes.flatMap((node) => makeInstances({ nodeId: node.id, count: 50 }));
    const graph = buildTopology({ nodes, instances, collapsedNodeIds: none });
    const drawn = graph.nodes.filter((node) => node.type === 'kudoInstance');
    expect(drawn).toHaveLength(20 * layout.maxInstancesPerGroup);
    expect(graph.hiddenInstanceCount).toBe(1000 - 20 * layout.maxInstancesPerGroup);
    expect(graph.nodes.filter((node) => node.type === 'kudoMore')).toHaveLength(20);
  });

  it('shows only the filtered nodes and their routes', () => {
    const nodes = [makeNode(1), makeNode(2), makeNode(3)];
    const instances = makeInstances({ nodeId: 'node3', count: 2 });
    const graph = buildTopology({
      nodes,
      instances,
      collapsedNodeIds: none,
      visibleNodeIds: new Set(['node1', 'node2']),
    });
    expect(graph.nodes.map((node) => node.id)).toEqual(['node:node1', 'node:node2']);
    expect(graph.edges).toHaveLength(1);
  });

  it('places no two groups on top of each other', () => {
    const nodes = Array.from({ length: 7 }, (_, index) => makeNode(index + 1));
    const instances = nodes.flatMap((node, index) => makeInstances({ nodeId: node.id, count: index * 3 }));
    const groups = buildTopology({ nodes, instances, collapsedNodeIds: none }).nodes.filter(
      (node) => node.type === 'kudoGroup',
    );
    for (const a of groups)
      for (const b of groups) {
        if (a === b) continue;
        const isApart =
          a.position.x + a.style.width <= b.position.x ||
          b.position.x + b.style.width <= a.position.x ||
          a.position.y + a.style.height <= b.position.y ||
          b.position.y + b.style.height <= a.position.y;
        expect(isApart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
  });

  it('collapses groups by default only in big clusters', () => {
    expect(shouldAutoCollapse(20)).toBe(false);
    expect(shouldAutoCollapse(1000)).toBe(true);
  });
});
