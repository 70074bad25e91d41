'use client';

import {
  BaseEdge,
  type EdgeProps,
  Handle,
  type InternalNode,
  type Node,
  type NodeProps,
  Position,
  useInternalNode,
} from '@xyflow/react';
import Link from 'next/link';
import { createContext, useContext } from 'react';
import { formatPortShort } from '../../client/format';
import { StatusBadge } from '../ui/status-badge';
import type { GroupData, InstanceData, MoreData } from './build-topology';

type GroupNode = Node<GroupData, 'kudoGroup'>;
type InstanceNode = Node<InstanceData, 'kudoInstance'>;
type MoreNode = Node<MoreData, 'kudoMore'>;

/** What a group's collapse button calls (a context, so the node types stay the same objects). */
export const CollapseContext = createContext<(nodeId: string) => void>(() => undefined);

/** A node of the cluster: its name, status, subnet, bridge and external address; its instances inside. */
export const GroupElement = ({ data }: NodeProps<GroupNode>) => {
  const onToggleCollapse = useContext(CollapseContext);
  const { node, instanceCount, isCollapsed, isFocused } = data;
  return (
    <div
      className={`topo-group topo-${node.status} ${isFocused ? 'is-focused' : ''}`}
      data-testid="topology-node"
      data-node-id={node.id}
    >
      <Handle type="target" position={Position.Top} className="topo-handle" isConnectable={false} />
      <div className="topo-group-header">
        <div className="row">
          <Link className="topo-group-name nodrag" href={`/nodes/${encodeURIComponent(node.id)}`}>
            {node.name}
          </Link>
          <StatusBadge status={node.status} title={node.statusReason} />
          <span className="spacer" />
          <button
            type="button"
            className="topo-collapse nodrag"
            onClick={(event) => {
              event.stopPropagation();
              onToggleCollapse(node.id);
            }}
            aria-expanded={!isCollapsed}
            title={isCollapsed ? 'Show its instances' : 'Hide its instances'}
          >
            {isCollapsed ? `▸ ${instanceCount}` : '▾'}
          </button>
        </div>
        <div className="topo-meta">
          <span className="chip" title="Subnet of the node's instances">
            {node.subnet}
          </span>
          <span className="chip" title="Bridge address (the instances' gateway)">
            br {node.nodeIpAddr}
          </span>
          <span className="chip chip-ext" title="External address (uplink): where its host ports are reached">
            ext {node.externalIpAddr}
          </span>
        </div>
      </div>
      {isCollapsed ? (
        <div className="topo-collapsed">
          {instanceCount === 1 ? '1 instance' : `${instanceCount} instances`} hidden
        </div>
      ) : instanceCount === 0 ? (
        <div className="topo-collapsed">No instances yet</div>
      ) : null}
      <Handle type="source" position={Position.Bottom} className="topo-handle" isConnectable={false} />
    </div>
  );
};

const maxPortBadges = 2;

/** An instance: its id, address and port mappings as badges (host port on the node's external address). */
export const InstanceElement = ({ data }: NodeProps<InstanceNode>) => {
  const { instance, externalIpAddr } = data;
  return (
    <Link
      className={`topo-instance topo-instance-${instance.status} nodrag`}
      href={`/instances/${encodeURIComponent(instance.id)}`}
      data-testid="topology-instance"
      data-instance-id={instance.id}
      title={`${instance.id} (${instance.status}) at ${instance.ipAddr}`}
    >
      <div className="row">
        <span className={`topo-dot topo-dot-${instance.status}`} aria-hidden="true" />
        <strong className="topo-instance-name">{instance.id}</strong>
        <span className="spacer" />
        <span className="mono subtle">{instance.ipAddr}</span>
      </div>
      <div className="topo-ports">
        {instance.portMappings.length === 0 ? (
          <span className="subtle">no port mappings</span>
        ) : (
          instance.portMappings.slice(0, maxPortBadges).map((port) => (
            <span
              key={`${port.protocol}:${port.hostPort}`}
              className="chip chip-port"
              title={`${externalIpAddr}:${port.hostPort} reaches ${instance.ipAddr}:${port.instancePort}/${port.protocol}`}
            >
              {formatPortShort(port)}
            </span>
          ))
        )}
        {instance.portMappings.length > 3 ? (
          <span className="subtle">+{instance.portMappings.length - 3}</span>
        ) : null}
      </div>
    </Link>
  );
};

export const MoreElement = ({ data }: NodeProps<MoreNode>) => (
  <Link className="topo-more nodrag" href={`/instances?node=${encodeURIComponent(data.nodeId)}`}>
    and {data.hiddenCount} more…
    <span className="subtle">open in the table</span>
  </Link>
);

/** Where the line from a node's centre towards another point leaves the node's box. */
const intersect = (node: InternalNode, toward: { x: number; y: number }) => {
  const width = node.measured.width ?? 0;
  const height = node.measured.height ?? 0;
  const center = {
    x: node.internals.positionAbsolute.x + width / 2,
    y: node.internals.positionAbsolute.y + height / 2,
  };
  const dx = toward.x - center.x;
  const dy = toward.y - center.y;
  if (dx === 0 && dy === 0) return center;
  const scale = Math.min(
    dx === 0 ? Number.POSITIVE_INFINITY : width / 2 / Math.abs(dx),
    dy === 0 ? Number.POSITIVE_INFINITY : height / 2 / Math.abs(dy),
  );
  return { x: center.x + dx * scale, y: center.y + dy * scale };
};

const centerOf = (node: InternalNode) => ({
  x: node.internals.positionAbsolute.x + (node.measured.width ?? 0) / 2,
  y: node.internals.positionAbsolute.y + (node.measured.height ?? 0) / 2,
});

/** A route between two nodes: a straight line between the group boxes, whatever their places. */
export const RouteEdge = ({ id, source, target, label, style, markerEnd }: EdgeProps) => {
  const from = useInternalNode(source);
  const to = useInternalNode(target);
  if (!from || !to) return null;
  const start = intersect(from, centerOf(to));
  const end = intersect(to, centerOf(from));
  const path = `M ${start.x},${start.y} L ${end.x},${end.y}`;
  return (
    <BaseEdge
      id={id}
      path={path}
      style={style}
      markerEnd={markerEnd}
      label={label}
      labelX={(start.x + end.x) / 2}
      labelY={(start.y + end.y) / 2}
      labelShowBg
      labelBgPadding={[6, 3]}
      labelBgBorderRadius={6}
      labelStyle={{ fontFamily: 'var(--font-mono)', fontSize: 11 }}
    />
  );
};
