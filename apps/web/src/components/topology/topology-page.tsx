'use client';

import '@xyflow/react/dist/style.css';
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, MiniMap, type NodeMouseHandler, ReactFlow, useReactFlow } from '@xyflow/react';
import { useSearchParams } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { AddNodeLink } from '../nodes/add-node-link';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { TopologyIcon } from '../ui/icons';
import { ErrorNotice, Notice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { buildTopology, readElementTarget, shouldAutoCollapse } from './build-topology';
import { CollapseContext, GroupElement, InstanceElement, MoreElement, RouteEdge } from './topology-elements';
import { TopologyTable } from './topology-table';

const nodeTypes = { kudoGroup: GroupElement, kudoInstance: InstanceElement, kudoMore: MoreElement };
const fitViewOptions = { padding: 0.12, maxZoom: 1.1 };
const minimapColours: Record<string, string> = {
  ready: '#a6f4c5',
  pending: '#b2ddff',
  drifted: '#d9d6fe',
  degraded: '#fedf89',
  unreachable: '#fecdca',
};

/**
 * Fits the view again when what is drawn changes shape (a filter, a group collapsed or expanded, a node
 * added or removed), not on every live refresh, so a user's zoom is kept while the data updates.
 */
const FitOnLayoutChange = ({ layoutKey }: { layoutKey: string }) => {
  const { fitView } = useReactFlow();
  const fitted = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (fitted.current === layoutKey) return;
    fitted.current = layoutKey;
    // On the next frame, once the new elements are in React Flow's store.
    const frame = requestAnimationFrame(() => void fitView({ ...fitViewOptions, duration: 200 }));
    return () => cancelAnimationFrame(frame);
  }, [layoutKey, fitView]);
  return null;
};
const edgeTypes = { route: RouteEdge };

/**
 * The cluster as a graph: nodes as groups holding their instances, routes between nodes as edges.
 * Big clusters stay usable: groups collapse (by default above a few hundred instances), a filter keeps only
 * some nodes, a node's routes show when it is focused, and the table view lists everything.
 */
export const TopologyPage = () => {
  const trpc = useTRPC();
  const refresh = useLiveRefresh();
  const searchParams = useSearchParams();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const instances = useQuery({ ...trpc.instance.list.queryOptions(), ...refresh });
  const [view, setView] = useState<'graph' | 'table'>(
    searchParams.get('view') === 'table' ? 'table' : 'graph',
  );
  const [filter, setFilter] = useState<ReadonlySet<string> | undefined>(() => {
    const only = searchParams.getAll('node');
    return only.length > 0 ? new Set(only) : undefined;
  });
  // The user's choice of collapsed groups; until they choose, a big cluster starts collapsed.
  const [collapsedChoice, setCollapsed] = useState<ReadonlySet<string> | undefined>();
  const [focusedNodeId, setFocusedNodeId] = useState<string | undefined>();

  const nodeList = nodes.data ?? [];
  const instanceList = instances.data ?? [];

  const collapsed = useMemo(
    () =>
      collapsedChoice ??
      new Set(shouldAutoCollapse(instanceList.length) ? nodeList.map((node) => node.id) : []),
    [collapsedChoice, instanceList.length, nodeList],
  );

  const toggleCollapse = useCallback(
    (nodeId: string) => {
      setCollapsed((previous) => {
        const next = new Set(previous ?? collapsed);
        if (next.has(nodeId)) next.delete(nodeId);
        else next.add(nodeId);
        return next;
      });
    },
    [collapsed],
  );

  const toggleFilter = (nodeId: string) => {
    setFilter((previous) => {
      const next = new Set(previous ?? []);
      if (next.has(nodeId)) next.delete(nodeId);
      else next.add(nodeId);
      return next.size === 0 ? undefined : next;
    });
  };

  const graph = useMemo(
    () =>
      buildTopology({
        nodes: nodeList,
        instances: instanceList,
        collapsedNodeIds: collapsed,
        visibleNodeIds: filter,
        focusedNodeId,
      }),
    [nodeList, instanceList, collapsed, filter, focusedNodeId],
  );
  const edges = useMemo(() => graph.edges.map((edge) => ({ ...edge, type: 'route' })), [graph.edges]);
  const layoutKey = [
    nodeList.map((node) => node.id).join(','),
    [...(filter ?? [])].sort().join(','),
    [...collapsed].sort().join(','),
  ].join('|');

  const onNodeClick: NodeMouseHandler = (_, element) => {
    const target = readElementTarget(element.id);
    if (target.kind === 'node')
      setFocusedNodeId((current) => (current === target.id ? undefined : target.id));
  };

  const shownNodes = filter ? nodeList.filter((node) => filter.has(node.id)) : nodeList;
  const shownInstances = instanceList.filter((instance) => !filter || filter.has(instance.nodeId));
  const error = readError(nodes.error ?? instances.error);

  return (
    <div className="stack">
      <PageHeader
        title="Topology"
        description={
          nodes.data
            ? `${pluralize({ count: nodeList.length, one: 'node' })}, ${pluralize({ count: instanceList.length, one: 'instance' })}. Click a node to show its routes; click a name to open it.`
            : 'Loading the cluster…'
        }
        actions={
          <fieldset className="segmented" aria-label="View">
            <button type="button" aria-pressed={view === 'graph'} onClick={() => setView('graph')}>
              Graph
            </button>
            <button type="button" aria-pressed={view === 'table'} onClick={() => setView('table')}>
              Table
            </button>
          </fieldset>
        }
      />
      <ErrorNotice error={error} title="Could not load the topology" />
      {nodes.data && nodeList.length === 0 ? (
        <Card>
          <EmptyState
            icon={<TopologyIcon />}
            title="The cluster has no nodes yet"
            description="Once nodes are added, they appear here with their instances and the routes between them."
            action={<AddNodeLink />}
          />
        </Card>
      ) : (
        <Card isFlush>
          <div className="toolbar">
            <span className="muted">Nodes:</span>
            <button
              type="button"
              className={`filter-chip ${filter ? '' : 'is-on'}`}
              onClick={() => setFilter(undefined)}
              aria-pressed={!filter}
            >
              All
            </button>
            {nodeList.map((node) => (
              <button
                key={node.id}
                type="button"
                className={`filter-chip ${filter?.has(node.id) ? 'is-on' : ''}`}
                onClick={() => toggleFilter(node.id)}
                aria-pressed={Boolean(filter?.has(node.id))}
              >
                {node.name}
              </button>
            ))}
            <span className="spacer" />
            {view === 'graph' ? (
              <>
                <Button size="sm" onClick={() => setCollapsed(new Set())}>
                  Expand all
                </Button>
                <Button size="sm" onClick={() => setCollapsed(new Set(nodeList.map((node) => node.id)))}>
                  Collapse all
                </Button>
              </>
            ) : null}
          </div>
          {view === 'graph' && graph.hiddenInstanceCount > 0 ? (
            <div style={{ padding: '12px 16px 0' }}>
              <Notice tone="info">
                {graph.hiddenInstanceCount} instances are not drawn (at most a few dozen per node); filter the
                nodes, or use the table view to see them all.
              </Notice>
            </div>
          ) : null}
          {view === 'graph' ? (
            <div className="topology-canvas" data-testid="topology-graph">
              <CollapseContext.Provider value={toggleCollapse}>
                <ReactFlow
                  nodes={graph.nodes}
                  edges={edges}
                  nodeTypes={nodeTypes}
                  edgeTypes={edgeTypes}
                  onNodeClick={onNodeClick}
                  onPaneClick={() => setFocusedNodeId(undefined)}
                  nodesDraggable={false}
                  nodesConnectable={false}
                  elementsSelectable={false}
                  onlyRenderVisibleElements={instanceList.length > 300}
                  fitView
                  fitViewOptions={fitViewOptions}
                  minZoom={0.05}
                  proOptions={{ hideAttribution: true }}
                >
                  <Background gap={24} color="#e4e7ec" />
                  <Controls showInteractive={false} />
                  {nodeList.length > 4 ? (
                    <MiniMap
                      pannable
                      zoomable
                      nodeColor={(element) =>
                        element.type === 'kudoGroup'
                          ? (minimapColours[(element.data as { node: { status: string } }).node.status] ??
                            '#e4e7ec')
                          : '#c7d2fe'
                      }
                    />
                  ) : null}
                  <FitOnLayoutChange layoutKey={layoutKey} />
                </ReactFlow>
              </CollapseContext.Provider>
            </div>
          ) : (
            <TopologyTable nodes={shownNodes} instances={shownInstances} />
          )}
          <div className="table-footer">
            <span className="legend-line" /> route between nodes (each reaches the other&apos;s subnet through
            its external address)
            <span className="spacer" />
            <span className="chip chip-port">8080→80</span> host port → instance port (tcp unless marked /udp)
          </div>
        </Card>
      )}
    </div>
  );
};
