'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useState } from 'react';
import { formatAgo, pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useSelection } from '../../client/selection';
import { useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { NodeIcon, PlusIcon, RefreshIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { StatusBadge } from '../ui/status-badge';
import { AddNodeDialog } from './add-node-dialog';

/** Every node with its status, addresses, agent and instance count; add nodes, check selected ones. */
export const NodesPage = () => {
  const trpc = useTRPC();
  const router = useRouter();
  const searchParams = useSearchParams();
  const queryClient = useQueryClient();
  const refresh = useLiveRefresh();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const [isAdding, setAdding] = useState(searchParams.get('add') === '1');
  const nodeList = nodes.data ?? [];
  const selection = useSelection({ ids: nodeList.map((node) => node.id) });
  const checkNode = useMutation(trpc.node.check.mutationOptions());
  const [checkError, setCheckError] = useState<unknown>();

  const checkSelected = async () => {
    setCheckError(undefined);
    try {
      for (const nodeId of selection.selected) await checkNode.mutateAsync({ nodeId });
    } catch (error) {
      setCheckError(error);
    } finally {
      await queryClient.invalidateQueries();
    }
  };

  const closeAdd = () => {
    setAdding(false);
    if (searchParams.get('add')) router.replace('/nodes');
  };

  return (
    <div className="stack">
      <PageHeader
        title="Nodes"
        description="The machines of the cluster, each running an agent. Status comes from the health checks and drift inspection."
        actions={
          <ActionButton
            variant="primary"
            icon={<PlusIcon />}
            onClick={() => setAdding(true)}
            data-testid="add-node"
          >
            Add node
          </ActionButton>
        }
      />
      <ErrorNotice error={readError(nodes.error)} title="Could not load the nodes" />
      <ErrorNotice error={readError(checkError)} title="A health check failed" />
      <Card isFlush>
        {nodes.data && nodeList.length === 0 ? (
          <EmptyState
            icon={<NodeIcon />}
            title="No nodes yet"
            description="Start an agent on a machine, then add it here with its URL and token."
            action={
              <ActionButton variant="primary" icon={<PlusIcon />} onClick={() => setAdding(true)}>
                Add node
              </ActionButton>
            }
          />
        ) : (
          <>
            <div className="toolbar">
              <span className="muted">
                {selection.selected.length > 0
                  ? `${selection.selected.length} selected`
                  : pluralize({ count: nodeList.length, one: 'node' })}
              </span>
              <span className="spacer" />
              <ActionButton
                size="sm"
                icon={<RefreshIcon />}
                onClick={checkSelected}
                isBusy={checkNode.isPending}
                disabledReason={
                  selection.selected.length === 0 ? 'Select nodes to check them now' : undefined
                }
              >
                Check selected now
              </ActionButton>
            </div>
            <div className="table-wrap">
              <table className="table" data-testid="nodes-table">
                <thead>
                  <tr>
                    <th className="cell-check">
                      <input
                        type="checkbox"
                        className="checkbox"
                        aria-label="Select all nodes"
                        checked={selection.isAllSelected}
                        onChange={selection.toggleAll}
                      />
                    </th>
                    <th>Node</th>
                    <th>Status</th>
                    <th>Subnet</th>
                    <th>Bridge address</th>
                    <th>External address</th>
                    <th>Instances</th>
                    <th>Agent</th>
                    <th>Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {nodeList.map((node) => (
                    <tr key={node.id} aria-selected={selection.isSelected(node.id)} data-node-id={node.id}>
                      <td className="cell-check">
                        <input
                          type="checkbox"
                          className="checkbox"
                          aria-label={`Select ${node.name}`}
                          checked={selection.isSelected(node.id)}
                          onChange={() => selection.toggle(node.id)}
                        />
                      </td>
                      <td>
                        <Link className="cell-title" href={`/nodes/${encodeURIComponent(node.id)}`}>
                          {node.name}
                        </Link>
                        {node.name !== node.id ? <div className="cell-sub mono">{node.id}</div> : null}
                      </td>
                      <td>
                        <StatusBadge status={node.status} />
                        {node.statusReason ? (
                          <div className="cell-sub" style={{ maxWidth: 280 }}>
                            {node.statusReason}
                          </div>
                        ) : null}
                      </td>
                      <td className="mono">{node.subnet}</td>
                      <td className="mono">{node.nodeIpAddr}</td>
                      <td className="mono">{node.externalIpAddr}</td>
                      <td>{node._count.instances}</td>
                      <td>
                        <div className="mono">{node.agentUrl}</div>
                        <div className="cell-sub">
                          {node.agentVersion ? `agent ${node.agentVersion}` : '—'}
                        </div>
                      </td>
                      <td>{formatAgo({ at: node.lastSeenAt })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Card>
      <AddNodeDialog isOpen={isAdding} onClose={closeAdd} peerCount={nodeList.length} />
    </div>
  );
};
