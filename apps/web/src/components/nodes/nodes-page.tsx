'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useSelection } from '../../client/selection';
import { type NodeSummary, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { DataTable, DataTablePager, useDataTable } from '../ui/data-table';
import { EmptyState } from '../ui/empty-state';
import { NodeIcon, PlusIcon, RefreshIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { AddNodeDialog } from './add-node-dialog';
import { NodeSelectionContext, nodeColumns } from './node-columns';

const noNodes: NodeSummary[] = [];

/** Every node with its status, addresses, agent and instance count; add nodes, check selected ones. */
export const NodesPage = () => {
  const trpc = useTRPC();
  const router = useRouter();
  const searchParams = useSearchParams();
  const queryClient = useQueryClient();
  const refresh = useLiveRefresh();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const [isAdding, setAdding] = useState(searchParams.get('add') === '1');
  const nodeList = nodes.data ?? noNodes;
  const table = useDataTable({ data: nodeList, columns: nodeColumns, getRowId: (node) => node.id });
  const selection = useSelection({ ids: useMemo(() => nodeList.map((node) => node.id), [nodeList]) });
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
            <NodeSelectionContext.Provider value={selection}>
              <DataTable
                table={table}
                testId="nodes-table"
                rowProps={(node) => ({
                  'aria-selected': selection.isSelected(node.id),
                  'data-node-id': node.id,
                })}
              />
            </NodeSelectionContext.Provider>
            <DataTablePager table={table} summary={pluralize({ count: nodeList.length, one: 'node' })} />
          </>
        )}
      </Card>
      <AddNodeDialog isOpen={isAdding} onClose={closeAdd} peerCount={nodeList.length} />
    </div>
  );
};
