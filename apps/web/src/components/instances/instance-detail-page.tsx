'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { formatPort, formatTime } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { EventHistory } from '../events/event-history';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { EditIcon, TrashIcon } from '../ui/icons';
import { ErrorNotice, Notice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { StatusBadge } from '../ui/status-badge';
import { DeleteInstancesDialog } from './delete-instances-dialog';
import { EditPortsDialog } from './edit-ports-dialog';
import { CniSource, findRuntimeLock } from './instance-source';

/** One instance: where it runs, its address, namespace and interfaces, its port mappings and history. */
export const InstanceDetailPage = ({ instanceId }: { instanceId: string }) => {
  const trpc = useTRPC();
  const router = useRouter();
  const refresh = useLiveRefresh();
  const instance = useQuery({ ...trpc.instance.get.queryOptions({ instanceId }), ...refresh });
  const nodeId = instance.data?.nodeId;
  const node = useQuery({
    ...trpc.node.get.queryOptions({ nodeId: nodeId ?? '' }),
    enabled: Boolean(nodeId),
    ...refresh,
  });
  const events = useQuery({
    ...trpc.event.list.queryOptions({ targetType: 'instance', targetId: instanceId, limit: 10 }),
    ...refresh,
  });
  const [isEditing, setEditing] = useState(false);
  const [isDeleting, setDeleting] = useState(false);
  const crumbs = [{ href: '/instances', label: 'Instances' }];

  if (instance.error)
    return (
      <div className="stack">
        <PageHeader title={instanceId} breadcrumbs={crumbs} />
        <ErrorNotice error={readError(instance.error)} title="This instance cannot be shown" />
      </div>
    );
  const data = instance.data;
  if (!data)
    return (
      <div className="stack">
        <PageHeader title={instanceId} breadcrumbs={crumbs} />
        <div className="skeleton" />
      </div>
    );
  const external = node.data?.externalIpAddr;
  return (
    <div className="stack">
      <PageHeader
        title={
          <span className="row" style={{ gap: 12 }}>
            {data.id} <StatusBadge status={data.status} />
          </span>
        }
        description={`${data.ipAddr} on node ${node.data?.name ?? data.nodeId}`}
        breadcrumbs={crumbs}
        actions={
          <>
            <ActionButton
              least="operator"
              icon={<EditIcon />}
              onClick={() => setEditing(true)}
              data-testid="edit-ports"
              disabledReason={findRuntimeLock({ instance: data, change: 'ports' })}
            >
              Edit port mappings
            </ActionButton>
            <ActionButton
              least="operator"
              variant="danger"
              icon={<TrashIcon />}
              onClick={() => setDeleting(true)}
              data-testid="delete-instance"
              disabledReason={findRuntimeLock({ instance: data, change: 'delete' })}
            >
              Delete
            </ActionButton>
          </>
        }
      />
      {data.statusReason ? (
        <Notice
          tone={data.status === 'failed' ? 'error' : 'warning'}
          title={`This instance is ${data.status}`}
        >
          {data.statusReason}
        </Notice>
      ) : null}
      <div className="grid-2">
        <Card title="Network" testId="instance-network">
          <dl className="kv">
            <dt>Node</dt>
            <dd>
              <Link href={`/nodes/${encodeURIComponent(data.nodeId)}`}>{node.data?.name ?? data.nodeId}</Link>
              {node.data ? <span className="muted"> · subnet {node.data.subnet}</span> : null}
            </dd>
            <dt>Source</dt>
            <dd>
              {data.source === 'cni' ? (
                <CniSource containerId={data.containerId} runtime={data.runtime} />
              ) : (
                'Control plane'
              )}
            </dd>
            {data.containerId ? (
              <>
                <dt>Container</dt>
                <dd className="mono" data-testid="instance-container">
                  {data.containerId}
                </dd>
              </>
            ) : null}
            <dt>Address</dt>
            <dd className="mono">{data.ipAddr}</dd>
            <dt>Gateway</dt>
            <dd className="mono">{node.data?.nodeIpAddr ?? '—'}</dd>
            <dt>Namespace</dt>
            <dd className="mono" data-testid="instance-namespace">
              {data.namespaceName ?? '—'}
            </dd>
            <dt>Interface</dt>
            <dd className="mono">{data.interfaceName ?? '—'}</dd>
            <dt>Host-side veth</dt>
            <dd className="mono" data-testid="instance-veth">
              {data.hostInterfaceName ?? '—'}
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(data.createdAt)}</dd>
          </dl>
        </Card>
        <Card
          title="Port mappings"
          description="Reached on the node's external address"
          isFlush
          testId="instance-ports"
        >
          {data.portMappings.length === 0 ? (
            <p className="card-body muted">
              No port mappings: the instance is reached only inside the cluster.
            </p>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Host port</th>
                  <th>Instance port</th>
                  <th>Protocol</th>
                  <th>Reached at</th>
                </tr>
              </thead>
              <tbody>
                {data.portMappings.map((port) => (
                  <tr key={port.id}>
                    <td className="mono">{port.hostPort}</td>
                    <td className="mono">{port.instancePort}</td>
                    <td>{port.protocol}</td>
                    <td className="mono" title={formatPort(port)}>
                      {external ? `${external}:${port.hostPort}` : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <Card title="History" isFlush>
        <EventHistory entries={events.data?.entries} />
      </Card>
      {isEditing ? (
        <EditPortsDialog
          isOpen
          instanceId={data.id}
          current={data.portMappings}
          onClose={() => setEditing(false)}
        />
      ) : null}
      {isDeleting ? (
        <DeleteInstancesDialog
          isOpen
          instanceIds={[data.id]}
          onClose={() => setDeleting(false)}
          onDeleted={() => router.push('/instances')}
        />
      ) : null}
    </div>
  );
};
