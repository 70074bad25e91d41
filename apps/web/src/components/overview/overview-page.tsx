'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { EventRow } from '../events/event-row';
import { MetricsCharts } from '../metrics/metrics-charts';
import { AddNodeLink } from '../nodes/add-node-link';
import { ActionButton, ActionLink } from '../ui/button';
import { Card, Stat } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { EventsIcon, NodeIcon, PlusIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { StatusBadge } from '../ui/status-badge';
import { ClusterPlanDialog } from './cluster-plan-dialog';

const statusOrder = ['ready', 'pending', 'drifted', 'degraded', 'unreachable'] as const;
const statusColours: Record<string, string> = {
  ready: 'var(--green)',
  pending: 'var(--blue)',
  drifted: 'var(--purple)',
  degraded: 'var(--amber)',
  unreachable: 'var(--red)',
};

/** The cluster at a glance: its address plan, nodes by status, counts, recent changes. */
export const OverviewPage = () => {
  const trpc = useTRPC();
  const refresh = useLiveRefresh();
  const settings = useQuery(trpc.cluster.settings.queryOptions());
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const instances = useQuery({ ...trpc.instance.list.queryOptions(), ...refresh });
  const mappings = useQuery({ ...trpc.portMapping.list.queryOptions(), ...refresh });
  const events = useQuery({ ...trpc.event.list.queryOptions({ limit: 8 }), ...refresh });
  const metrics = useQuery({ ...trpc.metrics.series.queryOptions(), ...refresh });

  const [isEditingPlan, setEditingPlan] = useState(false);
  const nodeList = nodes.data ?? [];
  const byStatus = Object.fromEntries(statusOrder.map((status) => [status, 0])) as Record<string, number>;
  for (const node of nodeList) byStatus[node.status] = (byStatus[node.status] ?? 0) + 1;
  const runningCount = (instances.data ?? []).filter((instance) => instance.status === 'running').length;
  const problemNodes = nodeList.filter((node) => node.status !== 'ready');
  // Nodes that need attention first.
  const shownNodes = [...problemNodes, ...nodeList.filter((node) => node.status === 'ready')].slice(0, 6);
  const error = readError(nodes.error ?? instances.error ?? settings.error);

  return (
    <div className="stack">
      <PageHeader
        title="Overview"
        description="Your cluster at a glance: its address plan, health and latest changes."
        actions={
          <>
            <AddNodeLink variant="secondary" icon={<NodeIcon />}>
              Add node
            </AddNodeLink>
            <ActionLink least="operator" variant="primary" href="/instances?create=1" icon={<PlusIcon />}>
              Create instance
            </ActionLink>
          </>
        }
      />
      <ErrorNotice error={error} title="Could not load the cluster" />
      <div className="stats">
        <Stat
          label="Cluster network"
          value={
            <span className="mono" style={{ fontSize: 22 }}>
              {settings.data?.clusterCidr ?? '…'}
            </span>
          }
          foot={
            settings.data ? (
              <span className="row">
                a /{settings.data.nodePrefixLength} per node
                <span className="spacer" />
                <ActionButton
                  size="sm"
                  variant="ghost"
                  onClick={() => setEditingPlan(true)}
                  disabledReason={
                    nodeList.length > 0 ? 'The address plan is fixed once a node holds a subnet' : undefined
                  }
                >
                  Change
                </ActionButton>
              </span>
            ) : undefined
          }
        />
        <Stat
          label="Nodes"
          value={nodes.data ? nodeList.length : '…'}
          foot={nodes.data ? `${byStatus.ready ?? 0} ready` : undefined}
        />
        <Stat
          label="Instances"
          value={instances.data ? instances.data.length : '…'}
          foot={instances.data ? `${runningCount} running` : undefined}
        />
        <Stat
          label="Port mappings"
          value={mappings.data ? mappings.data.length : '…'}
          foot={mappings.data ? 'host ports into instances' : undefined}
        />
      </div>
      <MetricsCharts points={metrics.data?.cluster} scope="cluster" testIdPrefix="cluster-metrics" />
      <div className="grid-2">
        <Card
          title="Nodes by status"
          description={nodes.data ? pluralize({ count: nodeList.length, one: 'node' }) : 'Loading…'}
          actions={<Link href="/nodes">All nodes →</Link>}
          testId="nodes-by-status"
        >
          {nodeList.length === 0 && nodes.data ? (
            <EmptyState
              icon={<NodeIcon />}
              title="No nodes yet"
              description="Add a node by giving the address and token of its agent."
              action={<AddNodeLink />}
            />
          ) : (
            <div className="stack" style={{ gap: 16 }}>
              <div className="status-bar" role="img" aria-label="Nodes by status">
                {statusOrder.map((status) =>
                  byStatus[status] ? (
                    <span
                      key={status}
                      style={{ flex: byStatus[status], background: statusColours[status] }}
                      title={`${byStatus[status]} ${status}`}
                    />
                  ) : null,
                )}
              </div>
              <div className="row-wrap" style={{ gap: 16 }}>
                {statusOrder.map((status) => (
                  <span key={status} className="row" style={{ gap: 6 }}>
                    <StatusBadge status={status} />
                    <strong>{byStatus[status] ?? 0}</strong>
                  </span>
                ))}
              </div>
              <ul className="item-list bordered" data-testid="overview-nodes">
                {shownNodes.map((node) => (
                  <li key={node.id} className="item">
                    <div className="item-main">
                      <Link className="item-title" href={`/nodes/${encodeURIComponent(node.id)}`}>
                        {node.name}
                      </Link>
                      <div className="item-detail">
                        <span className="mono">{node.subnet}</span> ·{' '}
                        {pluralize({ count: node._count.instances, one: 'instance' })}
                        {node.statusReason ? ` · ${node.statusReason}` : ''}
                      </div>
                    </div>
                    <StatusBadge status={node.status} />
                  </li>
                ))}
              </ul>
              {nodeList.length > shownNodes.length ? (
                <Link href="/nodes">and {nodeList.length - shownNodes.length} more nodes →</Link>
              ) : problemNodes.length === 0 ? (
                <p className="muted">
                  Every node is ready: its kernel matches what the control plane asked for.
                </p>
              ) : null}
            </div>
          )}
        </Card>
        <Card
          title="Recent events"
          description="Every change, who made it and how it ended"
          actions={<Link href="/events">All events →</Link>}
          isFlush
          testId="recent-events"
        >
          {events.data && events.data.entries.length === 0 ? (
            <EmptyState
              icon={<EventsIcon />}
              title="Nothing happened yet"
              description="Changes appear here as they are made."
            />
          ) : (
            <ul className="item-list">
              {(events.data?.entries ?? []).map((event) => (
                <EventRow key={event.id} event={event} isCompact />
              ))}
            </ul>
          )}
        </Card>
      </div>
      {isEditingPlan && settings.data ? (
        <ClusterPlanDialog current={settings.data} onClose={() => setEditingPlan(false)} />
      ) : null}
    </div>
  );
};
