'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { formatAgo, formatTime, pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { type Inspection, type NodeDetail, useTRPC } from '../../client/trpc';
import { EventHistory } from '../events/event-history';
import { NodeCredentialsPanel } from '../join/node-credentials-panel';
import { MetricsCharts } from '../metrics/metrics-charts';
import { ActionButton, ActionLink } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { InstanceIcon, PlusIcon, RefreshIcon, TrashIcon } from '../ui/icons';
import { ErrorNotice, Notice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { TableHead } from '../ui/plain-table';
import { PortChips } from '../ui/port-chips';
import { StatusBadge } from '../ui/status-badge';
import { DriftPanel } from './drift-panel';
import { KernelStatePanel } from './kernel-state-panel';
import { OrphansPanel } from './orphans-panel';
import { RemoveNodeDialog } from './remove-node-dialog';

const statusTone = {
  degraded: 'warning',
  unreachable: 'error',
  drifted: 'warning',
  pending: 'info',
} as const;

const NodeFacts = ({ node, inspection }: { node: NodeDetail; inspection: Inspection | undefined }) => (
  <Card title="Node" testId="node-facts">
    <dl className="kv">
      <dt>Node id</dt>
      <dd className="mono">{node.id}</dd>
      <dt>Subnet</dt>
      <dd className="mono">{node.subnet}</dd>
      <dt>Bridge</dt>
      <dd className="mono">
        {inspection?.actual.bridge?.name ?? '—'} · {node.nodeIpAddr}
      </dd>
      <dt>External address</dt>
      <dd className="mono">{node.externalIpAddr}</dd>
      <dt>Agent</dt>
      <dd>
        <span className="mono">{node.agentUrl}</span>
        <div className="cell-sub">
          {node.status === 'unreachable' ? (
            <span className="bad-text">not answering</span>
          ) : (
            <span className="ok-text">answering</span>
          )}{' '}
          · last seen {formatAgo({ at: node.lastSeenAt })}
          {node.agentVersion ? ` · version ${node.agentVersion}` : ''}
        </div>
      </dd>
      <dt>Boot id</dt>
      <dd className="mono">{node.lastBootId ?? '—'}</dd>
      <dt>Kernel</dt>
      <dd>{node.kernel ?? '—'}</dd>
      <dt>Added</dt>
      <dd>{formatTime(node.createdAt)}</dd>
    </dl>
  </Card>
);

const NodeInstances = ({ node }: { node: NodeDetail }) => (
  <Card
    title="Instances"
    description={`Addresses from ${node.subnet}`}
    actions={
      <ActionLink
        least="operator"
        size="sm"
        icon={<PlusIcon />}
        href={`/instances?create=1&node=${encodeURIComponent(node.id)}`}
      >
        Create instance
      </ActionLink>
    }
    isFlush
    testId="node-instances"
  >
    {node.instances.length === 0 ? (
      <EmptyState
        icon={<InstanceIcon />}
        title="No instances on this node"
        description="Create one to give it an address here."
      />
    ) : (
      <div className="table-wrap">
        <table className="table">
          <TableHead columns={['Instance', 'Address', 'Port mappings', 'Status']} />
          <tbody>
            {node.instances.map((instance) => (
              <tr key={instance.id}>
                <td>
                  <Link className="cell-title" href={`/instances/${encodeURIComponent(instance.id)}`}>
                    {instance.id}
                  </Link>
                  <div className="cell-sub mono">{instance.namespaceName ?? ''}</div>
                </td>
                <td className="mono">{instance.ipAddr}</td>
                <td>
                  <PortChips ports={instance.portMappings} empty="none" />
                </td>
                <td>
                  <StatusBadge status={instance.status} title={instance.statusReason} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    )}
  </Card>
);

/** One node: facts, instances, live kernel state beside desired state, drift with fixes, orphans, history. */
export const NodeDetailPage = ({ nodeId }: { nodeId: string }) => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useLiveRefresh();
  const slowRefresh = useLiveRefresh(10_000);
  const node = useQuery({ ...trpc.node.get.queryOptions({ nodeId }), ...refresh });
  const nodes = useQuery(trpc.node.list.queryOptions());
  const inspection = useQuery({
    ...trpc.inspection.inspect.queryOptions({ nodeId }),
    ...slowRefresh,
    enabled: node.isSuccess,
    retry: false,
  });
  const events = useQuery({
    ...trpc.event.list.queryOptions({ targetType: 'node', targetId: nodeId, limit: 10 }),
    ...refresh,
  });
  const metrics = useQuery({ ...trpc.metrics.series.queryOptions({ nodeId }), ...refresh });
  const [isRemoving, setRemoving] = useState(false);
  const afterChange = { onSettled: () => queryClient.invalidateQueries() };
  const check = useMutation(trpc.node.check.mutationOptions(afterChange));
  const retry = useMutation(trpc.node.retry.mutationOptions(afterChange));

  if (node.error)
    return (
      <div className="stack">
        <PageHeader title={nodeId} breadcrumbs={[{ href: '/nodes', label: 'Nodes' }]} />
        <ErrorNotice error={readError(node.error)} title="This node cannot be shown" />
      </div>
    );
  if (!node.data)
    return (
      <div className="stack">
        <PageHeader title={nodeId} breadcrumbs={[{ href: '/nodes', label: 'Nodes' }]} />
        <div className="skeleton" />
      </div>
    );

  const data = node.data;
  const hasPending = data.pendingChanges.length > 0 || data.removeRequestedAt !== null;
  return (
    <div className="stack">
      <PageHeader
        title={
          <span className="row" style={{ gap: 12 }}>
            {data.name} <StatusBadge status={data.status} />
            {inspection.data?.hasDrift && data.status !== 'drifted' ? (
              <span className="badge badge-purple" data-testid="drift-found">
                {pluralize({ count: inspection.data.items.length, one: 'drift item' })} found
              </span>
            ) : null}
          </span>
        }
        description={`Subnet ${data.subnet} · external address ${data.externalIpAddr}`}
        breadcrumbs={[{ href: '/nodes', label: 'Nodes' }]}
        actions={
          <>
            <ActionButton
              icon={<RefreshIcon />}
              onClick={() => check.mutate({ nodeId })}
              isBusy={check.isPending}
            >
              Check now
            </ActionButton>
            {hasPending || data.status === 'degraded' ? (
              <ActionButton onClick={() => retry.mutate({ nodeId })} isBusy={retry.isPending}>
                Retry pending work
              </ActionButton>
            ) : null}
            <ActionButton
              variant="danger"
              icon={<TrashIcon />}
              onClick={() => setRemoving(true)}
              data-testid="remove-node"
            >
              Remove node
            </ActionButton>
          </>
        }
      />
      {data.status !== 'ready' && data.statusReason ? (
        <Notice
          tone={statusTone[data.status as keyof typeof statusTone] ?? 'info'}
          title={`This node is ${data.status}`}
        >
          {data.statusReason}
        </Notice>
      ) : null}
      <ErrorNotice error={readError(check.error ?? retry.error)} title="That did not work" />
      <div className="grid-2">
        <NodeFacts node={data} inspection={inspection.data} />
        <NodeInstances node={data} />
      </div>
      <MetricsCharts points={metrics.data?.node?.points} scope="this node" testIdPrefix="node-metrics" />
      <DriftPanel nodeId={nodeId} inspection={inspection} />
      <KernelStatePanel inspection={inspection.data} />
      <NodeCredentialsPanel nodeId={nodeId} />
      <OrphansPanel nodeId={nodeId} />
      {data.pendingChanges.length > 0 ? (
        <Card
          title="Pending changes"
          description="Calls an agent still has to receive; retried by the health checks"
          isFlush
        >
          <ul className="item-list">
            {data.pendingChanges.map((change) => (
              <li key={change.id} className="item">
                <span className="badge badge-amber">{change.kind}</span>
                <div className="item-main">
                  <div className="item-title">
                    on {change.nodeId} about {change.subjectId}
                  </div>
                  <div className="item-detail">
                    {change.attempts} attempt(s){change.lastError ? ` · ${change.lastError}` : ''}
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <Card
        title="History"
        description="Changes to this node"
        isFlush
        actions={<Link href="/events">All events →</Link>}
      >
        <EventHistory entries={events.data?.entries} />
      </Card>
      <RemoveNodeDialog
        node={data}
        peerCount={Math.max(0, (nodes.data?.length ?? 1) - 1)}
        isOpen={isRemoving}
        onClose={() => setRemoving(false)}
      />
    </div>
  );
};
