'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { formatPort, pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { useSelection } from '../../client/selection';
import { type InstanceView, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { EditIcon, InstanceIcon, PlusIcon, SearchIcon, TrashIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { StatusBadge } from '../ui/status-badge';
import { CreateInstanceDialog } from './create-instance-dialog';
import { DeleteInstancesDialog } from './delete-instances-dialog';
import { EditPortsDialog } from './edit-ports-dialog';
import { emptyInstanceFilter, filterInstances, type InstanceFilter } from './filter-instances';

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

  const all = instances.data ?? [];
  const shown = useMemo(() => filterInstances({ instances: all, filter }), [all, filter]);
  const selection = useSelection({ ids: shown.map((instance) => instance.id) });
  const nodeNames = new Map((nodes.data ?? []).map((node) => [node.id, node.name]));
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
              <ActionButton variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)}>
                Create instance
              </ActionButton>
            }
          />
        ) : instances.data && shown.length === 0 ? (
          <EmptyState
            icon={<SearchIcon />}
            title="No instance matches"
            description="Change or clear the filters."
          />
        ) : (
          <div className="table-wrap">
            <table className="table" data-testid="instances-table">
              <thead>
                <tr>
                  <th className="cell-check">
                    <input
                      type="checkbox"
                      className="checkbox"
                      aria-label="Select all shown instances"
                      checked={selection.isAllSelected}
                      onChange={selection.toggleAll}
                    />
                  </th>
                  <th>Instance</th>
                  <th>Node</th>
                  <th>Address</th>
                  <th>Port mappings</th>
                  <th>Status</th>
                  <th className="cell-actions">Actions</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((instance) => (
                  <tr
                    key={instance.id}
                    aria-selected={selection.isSelected(instance.id)}
                    data-instance-id={instance.id}
                  >
                    <td className="cell-check">
                      <input
                        type="checkbox"
                        className="checkbox"
                        aria-label={`Select ${instance.id}`}
                        checked={selection.isSelected(instance.id)}
                        onChange={() => selection.toggle(instance.id)}
                      />
                    </td>
                    <td>
                      <Link className="cell-title" href={`/instances/${encodeURIComponent(instance.id)}`}>
                        {instance.id}
                      </Link>
                      <div className="cell-sub mono">{instance.namespaceName ?? '—'}</div>
                    </td>
                    <td>
                      <Link href={`/nodes/${encodeURIComponent(instance.nodeId)}`}>
                        {nodeNames.get(instance.nodeId) ?? instance.nodeId}
                      </Link>
                    </td>
                    <td className="mono">{instance.ipAddr}</td>
                    <td>
                      <div className="row-wrap">
                        {instance.portMappings.map((port) => (
                          <span key={port.id} className="chip chip-port">
                            {formatPort(port)}
                          </span>
                        ))}
                        {instance.portMappings.length === 0 ? <span className="subtle">none</span> : null}
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={instance.status} title={instance.statusReason} />
                    </td>
                    <td className="cell-actions">
                      <div className="row" style={{ justifyContent: 'flex-end' }}>
                        <ActionButton
                          size="sm"
                          icon={<EditIcon />}
                          onClick={() => setEditing(instance)}
                          disabledReason={
                            instance.status === 'running' || instance.status === 'failed'
                              ? undefined
                              : `The instance is ${instance.status}`
                          }
                        >
                          Ports
                        </ActionButton>
                        <ActionButton
                          size="sm"
                          variant="danger"
                          icon={<TrashIcon />}
                          onClick={() => setDeleting([instance.id])}
                          aria-label={`Delete ${instance.id}`}
                        >
                          Delete
                        </ActionButton>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {instances.data && all.length > 0 ? (
          <div className="table-footer">
            {isFiltered
              ? `${shown.length} of ${pluralize({ count: all.length, one: 'instance' })}`
              : pluralize({ count: all.length, one: 'instance' })}
            {selection.selected.length > 0 ? ` · ${selection.selected.length} selected` : ''}
          </div>
        ) : null}
      </Card>
      {isCreating && nodes.data ? (
        <CreateInstanceDialog
          isOpen
          onClose={closeCreate}
          nodes={nodes.data}
          instances={all}
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
