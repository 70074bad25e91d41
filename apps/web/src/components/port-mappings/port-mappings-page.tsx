'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { type PortMappingView, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { PlusIcon, PortIcon, TrashIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { StatusBadge } from '../ui/status-badge';
import { AddPortMappingDialog } from './add-port-mapping-dialog';

/** Every port mapping of the cluster in one list: which host port of which node reaches which instance port. */
export const PortMappingsPage = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useLiveRefresh();
  const mappings = useQuery({ ...trpc.portMapping.list.queryOptions(), ...refresh });
  const instances = useQuery({ ...trpc.instance.list.queryOptions(), ...refresh });
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const [isAdding, setAdding] = useState(false);
  const [nodeFilter, setNodeFilter] = useState('');
  const [removingId, setRemovingId] = useState<number | undefined>();
  const setPorts = useMutation(
    trpc.portMapping.set.mutationOptions({
      onSettled: async () => {
        setRemovingId(undefined);
        await queryClient.invalidateQueries();
      },
    }),
  );
  const nodesById = new Map((nodes.data ?? []).map((node) => [node.id, node]));
  const list = useMemo(
    () => (mappings.data ?? []).filter((mapping) => !nodeFilter || mapping.nodeId === nodeFilter),
    [mappings.data, nodeFilter],
  );

  const remove = (mapping: PortMappingView) => {
    const instance = instances.data?.find((candidate) => candidate.id === mapping.instanceId);
    if (!instance) return;
    setRemovingId(mapping.id);
    setPorts.mutate({
      instanceId: instance.id,
      ports: instance.portMappings
        .filter((port) => port.id !== mapping.id)
        .map(({ hostPort, instancePort, protocol }) => ({
          hostPort,
          instancePort,
          protocol: protocol as 'tcp' | 'udp',
        })),
    });
  };

  return (
    <div className="stack">
      <PageHeader
        title="Port mappings"
        description="Host ports of the nodes, on their external addresses, forwarded into instances."
        actions={
          <ActionButton
            variant="primary"
            icon={<PlusIcon />}
            onClick={() => setAdding(true)}
            disabledReason={
              instances.data && instances.data.length === 0 ? 'Create an instance first' : undefined
            }
            data-testid="add-port-mapping"
          >
            Add mapping
          </ActionButton>
        }
      />
      <ErrorNotice error={readError(mappings.error)} title="Could not load the port mappings" />
      <ErrorNotice error={readError(setPorts.error)} title="The mapping was not removed" />
      <Card isFlush>
        <div className="toolbar">
          <select
            className="select"
            aria-label="Node"
            value={nodeFilter}
            onChange={(event) => setNodeFilter(event.target.value)}
          >
            <option value="">All nodes</option>
            {(nodes.data ?? []).map((node) => (
              <option key={node.id} value={node.id}>
                {node.name}
              </option>
            ))}
          </select>
          <span className="spacer" />
          <span className="muted">{pluralize({ count: list.length, one: 'mapping' })}</span>
        </div>
        {mappings.data && list.length === 0 ? (
          <EmptyState
            icon={<PortIcon />}
            title={nodeFilter ? 'No mapping on this node' : 'No port mappings yet'}
            description="Map a host port of a node to a port of one of its instances to reach it from outside."
          />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="port-mappings-table">
              <thead>
                <tr>
                  <th>Node</th>
                  <th>Host port</th>
                  <th>Protocol</th>
                  <th>Instance</th>
                  <th>Instance port</th>
                  <th>Reached at</th>
                  <th>Status</th>
                  <th className="cell-actions">Actions</th>
                </tr>
              </thead>
              <tbody>
                {list.map((mapping) => {
                  const node = nodesById.get(mapping.nodeId);
                  return (
                    <tr key={mapping.id}>
                      <td>
                        <Link href={`/nodes/${encodeURIComponent(mapping.nodeId)}`}>
                          {node?.name ?? mapping.nodeId}
                        </Link>
                      </td>
                      <td className="mono cell-title">{mapping.hostPort}</td>
                      <td>{mapping.protocol}</td>
                      <td>
                        <Link href={`/instances/${encodeURIComponent(mapping.instanceId)}`}>
                          {mapping.instanceId}
                        </Link>
                      </td>
                      <td className="mono">
                        {mapping.instance.ipAddr}:{mapping.instancePort}
                      </td>
                      <td className="mono">{node ? `${node.externalIpAddr}:${mapping.hostPort}` : '—'}</td>
                      <td>
                        <StatusBadge status={mapping.instance.status} />
                      </td>
                      <td className="cell-actions">
                        <ActionButton
                          size="sm"
                          variant="danger"
                          icon={<TrashIcon />}
                          onClick={() => remove(mapping)}
                          isBusy={removingId === mapping.id}
                          aria-label={`Remove ${mapping.protocol}/${mapping.hostPort} of ${mapping.instanceId}`}
                        >
                          Remove
                        </ActionButton>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {isAdding && instances.data ? (
        <AddPortMappingDialog isOpen instances={instances.data} onClose={() => setAdding(false)} />
      ) : null}
    </div>
  );
};
