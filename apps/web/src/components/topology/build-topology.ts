/**
 * Turns the cluster (nodes with their instances) into a React Flow graph: each node a group holding its
 * instances, routes between nodes as edges. Pure, so the layout rules are tested without a browser.
 */

export type TopologyNode = {
  id: string;
  name: string;
  status: string;
  statusReason: string | null;
  subnet: string;
  nodeIpAddr: string;
  externalIpAddr: string;
};

export type TopologyInstance = {
  id: string;
  nodeId: string;
  ipAddr: string;
  status: string;
  portMappings: { hostPort: number; instancePort: number; protocol: string }[];
};

export type GroupData = {
  node: TopologyNode;
  instanceCount: number;
  isCollapsed: boolean;
  isFocused: boolean;
  peerCount: number;
};
export type InstanceData = { instance: TopologyInstance; externalIpAddr: string };
export type MoreData = { nodeId: string; hiddenCount: number };

/** `style` sizes the element; `width`/`height` let React Flow fit and draw the minimap before it is measured. */
export type FlowNode = Sized & { id: string; position: Pos; zIndex: number } & (
    | { type: 'kudoGroup'; data: GroupData }
    | { type: 'kudoInstance'; data: InstanceData; parentId: string; extent: 'parent' }
    | { type: 'kudoMore'; data: MoreData; parentId: string; extent: 'parent' }
  );

export type FlowEdge = {
  id: string;
  source: string;
  target: string;
  label?: string;
  data: { isFocused: boolean };
  animated: boolean;
  className: string;
};

type Pos = { x: number; y: number };
type Size = { width: number; height: number };
type Sized = { style: Size; width: number; height: number };

export const layout = {
  instanceWidth: 196,
  instanceHeight: 62,
  gap: 12,
  padding: 16,
  headerHeight: 92,
  collapsedHeight: 132,
  collapsedWidth: 300,
  groupGap: 96,
  /** Instances drawn per group; the rest are one "and N more" tile that opens the table. */
  maxInstancesPerGroup: 47,
  /** Above this many instances in the cluster, groups start collapsed. */
  autoCollapseAbove: 200,
  /** Above this many nodes, routes are drawn only for the focused node (a full mesh would hide everything). */
  fullMeshUpTo: 6,
} as const;

const groupId = (nodeId: string) => `node:${nodeId}`;
const instanceNodeId = (instanceId: string) => `instance:${instanceId}`;

/** Wide enough for the header's subnet, bridge and external address chips on one line. */
const minGroupWidth = 2 * layout.padding + 2 * layout.instanceWidth + layout.gap;

const columnsFor = (count: number) => (count <= 2 ? Math.max(count, 1) : count <= 4 ? 2 : 3);

const measureGroup = ({ tileCount, isCollapsed }: { tileCount: number; isCollapsed: boolean }): Size => {
  const { instanceWidth, instanceHeight, gap, padding, headerHeight, collapsedHeight, collapsedWidth } =
    layout;
  const columns = columnsFor(tileCount);
  const width = Math.max(2 * padding + columns * instanceWidth + (columns - 1) * gap, minGroupWidth);
  if (isCollapsed) return { width: collapsedWidth, height: collapsedHeight };
  if (tileCount === 0) return { width, height: headerHeight + 44 };
  const rows = Math.ceil(tileCount / columns);
  return { width, height: headerHeight + rows * instanceHeight + (rows - 1) * gap + padding };
};

/** Whether groups start collapsed for a cluster this big. */
export const shouldAutoCollapse = (instanceCount: number) => instanceCount > layout.autoCollapseAbove;

export const buildTopology = ({
  nodes,
  instances,
  collapsedNodeIds,
  visibleNodeIds,
  focusedNodeId,
}: {
  nodes: readonly TopologyNode[];
  instances: readonly TopologyInstance[];
  collapsedNodeIds: ReadonlySet<string>;
  /** Only these nodes (the filter); all when undefined. */
  visibleNodeIds?: ReadonlySet<string>;
  focusedNodeId?: string;
}): { nodes: FlowNode[]; edges: FlowEdge[]; hiddenInstanceCount: number } => {
  const shown = nodes.filter((node) => !visibleNodeIds || visibleNodeIds.has(node.id));
  const instancesByNode = new Map<string, TopologyInstance[]>();
  for (const instance of instances) {
    const list = instancesByNode.get(instance.nodeId) ?? [];
    list.push(instance);
    instancesByNode.set(instance.nodeId, list);
  }

  const groups = shown.map((node) => {
    const own = instancesByNode.get(node.id) ?? [];
    const isCollapsed = collapsedNodeIds.has(node.id);
    const drawn = isCollapsed ? [] : own.slice(0, layout.maxInstancesPerGroup);
    const hiddenCount = isCollapsed ? 0 : own.length - drawn.length;
    const tileCount = drawn.length + (hiddenCount > 0 ? 1 : 0);
    return { node, own, drawn, hiddenCount, isCollapsed, size: measureGroup({ tileCount, isCollapsed }) };
  });

  // Groups on a grid of about √n columns, each row as tall as its tallest group.
  const columns = Math.max(1, Math.ceil(Math.sqrt(groups.length)));
  const columnWidth = Math.max(0, ...groups.map((group) => group.size.width)) + layout.groupGap;
  const flowNodes: FlowNode[] = [];
  let y = 0;
  let hiddenInstanceCount = 0;
  for (let start = 0; start < groups.length; start += columns) {
    const row = groups.slice(start, start + columns);
    row.forEach((group, index) => {
      const { node, own, drawn, hiddenCount, isCollapsed, size } = group;
      hiddenInstanceCount += hiddenCount;
      flowNodes.push({
        id: groupId(node.id),
        type: 'kudoGroup',
        position: { x: index * columnWidth, y },
        data: {
          node,
          instanceCount: own.length,
          isCollapsed,
          isFocused: focusedNodeId === node.id,
          peerCount: nodes.length - 1,
        },
        style: size,
        ...size,
        zIndex: 0,
      });
      const tileColumns = columnsFor(drawn.length + (hiddenCount > 0 ? 1 : 0));
      const place = (tile: number): Pos => ({
        x: layout.padding + (tile % tileColumns) * (layout.instanceWidth + layout.gap),
        y: layout.headerHeight + Math.floor(tile / tileColumns) * (layout.instanceHeight + layout.gap),
      });
      const tileSize = { width: layout.instanceWidth, height: layout.instanceHeight };
      drawn.forEach((instance, tile) => {
        flowNodes.push({
          id: instanceNodeId(instance.id),
          type: 'kudoInstance',
          position: place(tile),
          data: { instance, externalIpAddr: node.externalIpAddr },
          parentId: groupId(node.id),
          extent: 'parent',
          style: tileSize,
          ...tileSize,
          zIndex: 1,
        });
      });
      if (hiddenCount > 0)
        flowNodes.push({
          id: `more:${node.id}`,
          type: 'kudoMore',
          position: place(drawn.length),
          data: { nodeId: node.id, hiddenCount },
          parentId: groupId(node.id),
          extent: 'parent',
          style: tileSize,
          ...tileSize,
          zIndex: 1,
        });
    });
    y += Math.max(...row.map((group) => group.size.height)) + layout.groupGap;
  }

  // Every node has a route to every other node's subnet (through its external address): one edge per pair.
  const isFullMesh = shown.length <= layout.fullMeshUpTo;
  const edges: FlowEdge[] = [];
  for (let a = 0; a < shown.length; a += 1)
    for (let b = a + 1; b < shown.length; b += 1) {
      const left = shown[a];
      const right = shown[b];
      if (!left || !right) continue;
      const isFocused = focusedNodeId === left.id || focusedNodeId === right.id;
      if (!isFullMesh && !isFocused) continue;
      const peer = focusedNodeId === left.id ? right : focusedNodeId === right.id ? left : undefined;
      edges.push({
        id: `route:${left.id}:${right.id}`,
        source: groupId(left.id),
        target: groupId(right.id),
        label: peer ? `${peer.subnet} via ${peer.externalIpAddr}` : undefined,
        data: { isFocused },
        animated: isFocused,
        className: isFocused ? 'route route-focused' : 'route',
      });
    }
  return { nodes: flowNodes, edges, hiddenInstanceCount };
};

/** The node id behind a graph element id (`node:ID`, `instance:ID`, `more:ID`). */
export const readElementTarget = (elementId: string) => {
  const index = elementId.indexOf(':');
  return { kind: elementId.slice(0, index), id: elementId.slice(index + 1) };
};
