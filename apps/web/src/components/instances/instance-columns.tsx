'use client';

import Link from 'next/link';
import { createContext, useContext } from 'react';
import { formatPort } from '../../client/format';
import type { useSelection } from '../../client/selection';
import type { InstanceView } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { createDataColumns } from '../ui/data-table';
import { EditIcon, TrashIcon } from '../ui/icons';
import { SelectAllCheckbox, SelectRowCheckbox } from '../ui/selection-checkboxes';
import { StatusBadge } from '../ui/status-badge';
import { instanceMatchers } from './filter-instances';
import { CniSource, findRuntimeLock } from './instance-source';

/** What the cells need from the page: the selection, node names, and the row actions. */
export type InstanceRowActions = {
  selection: ReturnType<typeof useSelection>;
  nodeNames: ReadonlyMap<string, string>;
  onEdit: (instance: InstanceView) => void;
  onDelete: (instanceIds: readonly string[]) => void;
};

// Cells read the page's state through a context, so the columns stay one module-level constant (new
// columns would recompute every row model of a 10,000-row table).
export const InstanceRowContext = createContext<InstanceRowActions | null>(null);

const useRowActions = () => {
  const actions = useContext(InstanceRowContext);
  if (!actions) throw new Error('instance cells need an InstanceRowContext');
  return actions;
};

const SelectAllHeader = () => {
  const { selection } = useRowActions();
  return <SelectAllCheckbox selection={selection} label="Select all shown instances" />;
};

const SelectCell = ({ id }: { id: string }) => {
  const { selection } = useRowActions();
  return <SelectRowCheckbox selection={selection} id={id} name={id} />;
};

const NodeCell = ({ nodeId }: { nodeId: string }) => {
  const { nodeNames } = useRowActions();
  return <Link href={`/nodes/${encodeURIComponent(nodeId)}`}>{nodeNames.get(nodeId) ?? nodeId}</Link>;
};

const ActionsCell = ({ instance }: { instance: InstanceView }) => {
  const { onEdit, onDelete } = useRowActions();
  return (
    <div className="row" style={{ justifyContent: 'flex-end' }}>
      <ActionButton
        least="operator"
        size="sm"
        icon={<EditIcon />}
        onClick={() => onEdit(instance)}
        disabledReason={
          findRuntimeLock({ instance, change: 'ports' }) ??
          (instance.status === 'running' || instance.status === 'failed'
            ? undefined
            : `The instance is ${instance.status}`)
        }
      >
        Ports
      </ActionButton>
      <ActionButton
        least="operator"
        size="sm"
        variant="danger"
        icon={<TrashIcon />}
        onClick={() => onDelete([instance.id])}
        aria-label={`Delete ${instance.id}`}
        disabledReason={findRuntimeLock({ instance, change: 'delete' })}
      >
        Delete
      </ActionButton>
    </div>
  );
};

const column = createDataColumns<InstanceView>();

/** The instances table: each filter of the toolbar narrows one of these columns (see filter-instances). */
export const instanceColumns = column.columns([
  column.display({
    id: 'select',
    header: () => <SelectAllHeader />,
    cell: (info) => <SelectCell id={info.row.original.id} />,
    meta: { className: 'cell-check' },
  }),
  column.accessor('id', {
    id: 'instance',
    header: 'Instance',
    sortFn: 'alphanumeric',
    filterFn: (row, _columnId, value: string) => instanceMatchers.text(row.original, value),
    cell: (info) => (
      <>
        <Link className="cell-title" href={`/instances/${encodeURIComponent(info.row.original.id)}`}>
          {info.row.original.id}
        </Link>
        <div className="cell-sub mono">
          {info.row.original.source === 'cni' ? (
            <CniSource containerId={info.row.original.containerId} runtime={info.row.original.runtime} />
          ) : (
            (info.row.original.namespaceName ?? '—')
          )}
        </div>
      </>
    ),
  }),
  column.accessor('nodeId', {
    id: 'node',
    header: 'Node',
    sortFn: 'alphanumeric',
    filterFn: (row, _columnId, value: string) => instanceMatchers.nodeId(row.original, value),
    cell: (info) => <NodeCell nodeId={info.row.original.nodeId} />,
  }),
  column.accessor('ipAddr', {
    id: 'address',
    header: 'Address',
    // Numbers compared as numbers: 10.0.1.9 before 10.0.1.10.
    sortFn: 'alphanumeric',
    filterFn: (row, _columnId, value: string) => instanceMatchers.address(row.original, value),
    meta: { className: 'mono' },
  }),
  column.accessor((instance) => instance.portMappings.length, {
    id: 'ports',
    header: 'Port mappings',
    enableSorting: false,
    filterFn: (row, _columnId, value: string) => instanceMatchers.port(row.original, value),
    cell: (info) => (
      <div className="row-wrap">
        {info.row.original.portMappings.map((port) => (
          <span key={port.id} className="chip chip-port">
            {formatPort(port)}
          </span>
        ))}
        {info.row.original.portMappings.length === 0 ? <span className="subtle">none</span> : null}
      </div>
    ),
  }),
  column.accessor('status', {
    id: 'status',
    header: 'Status',
    sortFn: 'alphanumeric',
    filterFn: (row, _columnId, value: string) => instanceMatchers.status(row.original, value),
    cell: (info) => <StatusBadge status={info.row.original.status} title={info.row.original.statusReason} />,
  }),
  column.display({
    id: 'actions',
    header: 'Actions',
    cell: (info) => <ActionsCell instance={info.row.original} />,
    meta: { className: 'cell-actions' },
  }),
]);
