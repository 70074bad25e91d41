'use client';

import { useQuery } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useSelection } from '../../client/selection';
import { type InstanceView, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { DataTable, DataTablePager, useDataTable } from '../ui/data-table';
import { EmptyState } from '../ui/empty-state';
import { InstanceIcon, PlusIcon, SearchIcon, TrashIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { CreateInstanceDialog } from './create-instance-dialog';
import { DeleteInstancesDialog } from './delete-instances-dialog';
import { EditPortsDialog } from './edit-ports-dialog';
import { emptyInstanceFilter, type InstanceFilter, toInstanceColumnFilters } from './filter-instances';
import { InstanceRowContext, instanceColumns } from './instance-columns';

const noInstances: InstanceView[] = [];

/** Every instance of the cluster: search, filter, create, delete, edit port mappings. */
export const InstancesPage = () => {
  const trpc = useTRPC();
  const router = useRouter();
  const searchParams = useSearchParams();
  const refresh = useLiveRefresh();
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const instances = useQuery({ ...trpc.instance.list.queryOptions(), ...refresh });
  const [filter, setFilter] = useState<InstanceFilter>({
    ...emptyInstanceFilter,
    nodeId: searchParams.get('create') ? '' : (searchParams.get('node') ?? ''),
  });
  const [isCreating, setCreating] = useState(searchParams.get('create') === '1');
  const [editing, setEditing] = useState<InstanceView | undefined>();
  const [deleting, setDeleting] = useState<readonly string[] | undefined>();

  const all = instances.data ?? noInstances;
  const columnFilters = useMemo(() => toInstanceColumnFilters(filter), [filter]);
  const table = useDataTable({
    data: all,
    columns: instanceColumns,
    getRowId: (instance) => instance.id,
    columnFilters,
  });
  const filteredRows = table.getFilteredRowModel().rows;
  const shownIds = useMemo(() => filteredRows.map((row) => row.id), [filteredRows]);
  const selection = useSelection({ ids: shownIds });
  const nodeNames = useMemo(
    () => new Map((nodes.data ?? []).map((node) => [node.id, node.name])),
    [nodes.data],
  );
  const rowActions = { selection, nodeNames, onEdit: setEditing, onDelete: setDeleting };
  const set = (key: keyof InstanceFilter) => (event: { target: { value: string } }) =>
    setFilter((previous) => ({ ...previous, [key]: event.target.value }));
  const isFiltered = Object.values(filter).some(Boolean);

  const closeCreate = () => {
    setCreating(false);
    if (searchParams.get('create')) router.replace('/instances');
  };

  return (
    <div className="stack">
      <PageHeader
        title="Instances"
        description="Each instance has its own network namespace, an address of its node's subnet, and port mappings."
        actions={
          <ActionButton
            least="operator"
            variant="primary"
            icon={<PlusIcon />}
            onClick={() => setCreating(true)}
            disabledReason={nodes.data && nodes.data.length === 0 ? 'Add a node first' : undefined}
            data-testid="create-instance"
          >
            Create instance
          </ActionButton>
        }
      />
      <ErrorNotice error={readError(instances.error ?? nodes.error)} title="Could not load the instances" />
      <Card isFlush>
        <div className="toolbar" data-testid="instance-filters">
          <div className="row" style={{ position: 'relative' }}>
            <input
              className="input input-search"
              placeholder="Search id, address, namespace"
              aria-label="Search instances"
              value={filter.text}
              onChange={set('text')}
              data-testid="instance-search"
            />
            <span className="subtle" style={{ position: 'absolute', right: 10, width: 16, height: 16 }}>
              <SearchIcon />
            </span>
          </div>
          <select className="select" aria-label="Node" value={filter.nodeId} onChange={set('nodeId')}>
            <option value="">All nodes</option>
            {(nodes.data ?? []).map((node) => (
              <option key={node.id} value={node.id}>
                {node.name}
              </option>
            ))}
          </select>
          <input
            className="input mono"
            style={{ width: 140 }}
            placeholder="Address 10.0.1."
            aria-label="Address"
            value={filter.address}
            onChange={set('address')}
          />
          <input
            className="input mono"
            style={{ width: 100 }}
            placeholder="Port"
            aria-label="Port"
            inputMode="numeric"
            value={filter.port}
            onChange={set('port')}
          />
          <select className="select" aria-label="Status" value={filter.status} onChange={set('status')}>
            <option value="">Any status</option>
            <option value="running">running</option>
            <option value="pending">pending</option>
            <option value="failed">failed</option>
            <option value="deleting">deleting</option>
          </select>
          {isFiltered ? (
            <button
              type="button"
              className="button button-ghost button-sm"
              onClick={() => setFilter(emptyInstanceFilter)}
            >
              Clear filters
            </button>
          ) : null}
          <span className="spacer" />
          {selection.selected.length > 0 ? (
            <ActionButton
              least="operator"
              size="sm"
              variant="danger"
              icon={<TrashIcon />}
              onClick={() => setDeleting(selection.selected)}
              data-testid="delete-selected"
            >
              Delete {selection.selected.length} selected
            </ActionButton>
          ) : null}
        </div>
        {instances.data && all.length === 0 ? (
          <EmptyState
            icon={<InstanceIcon />}
            title="No instances yet"
            description="Create one: it gets an address, a namespace and the port mappings you choose."
            action={
              <ActionButton
                least="operator"
                variant="primary"
                icon={<PlusIcon />}
                onClick={() => setCreating(true)}
              >
                Create instance
              </ActionButton>
            }
          />
        ) : (
          <InstanceRowContext.Provider value={rowActions}>
            <DataTable
              table={table}
              testId="instances-table"
              rowProps={(instance) => ({
                'aria-selected': selection.isSelected(instance.id),
                'data-instance-id': instance.id,
              })}
              empty={
                instances.data ? (
                  <EmptyState
                    icon={<SearchIcon />}
                    title="No instance matches"
                    description="Change or clear the filters."
                  />
                ) : undefined
              }
            />
          </InstanceRowContext.Provider>
        )}
        {instances.data && all.length > 0 ? (
          <DataTablePager
            table={table}
            summary={`${
              isFiltered
                ? `${shownIds.length} of ${pluralize({ count: all.length, one: 'instance' })}`
                : pluralize({ count: all.length, one: 'instance' })
            }${selection.selected.length > 0 ? ` · ${selection.selected.length} selected` : ''}`}
          />
        ) : null}
      </Card>
      {isCreating && nodes.data ? (
        <CreateInstanceDialog
          isOpen
          onClose={closeCreate}
          nodes={nodes.data}
          defaultNodeId={searchParams.get('node') ?? undefined}
        />
      ) : null}
      {editing ? (
        <EditPortsDialog
          isOpen
          instanceId={editing.id}
          current={editing.portMappings}
          onClose={() => setEditing(undefined)}
        />
      ) : null}
      {deleting ? (
        <DeleteInstancesDialog
          isOpen
          instanceIds={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={selection.clear}
        />
      ) : null}
    </div>
  );
};
