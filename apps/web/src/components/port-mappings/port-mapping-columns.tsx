'use client';

import Link from 'next/link';
import { createContext, useContext } from 'react';
import type { NodeSummary, PortMappingView } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { createDataColumns } from '../ui/data-table';
import { TrashIcon } from '../ui/icons';
import { StatusBadge } from '../ui/status-badge';

/** What the cells need from the page: the nodes (names, external addresses) and the remove action. */
export type PortMappingRowActions = {
  nodesById: ReadonlyMap<string, NodeSummary>;
  removingId: number | undefined;
  onRemove: (mapping: PortMappingView) => void;
};

// Cells read the page's state through a context, so the columns stay one module-level constant.
export const PortMappingRowContext = createContext<PortMappingRowActions | null>(null);

const useRowActions = () => {
  const actions = useContext(PortMappingRowContext);
  if (!actions) throw new Error('port mapping cells need a PortMappingRowContext');
  return actions;
};

const NodeCell = ({ nodeId }: { nodeId: string }) => {
  const { nodesById } = useRowActions();
  return <Link href={`/nodes/${encodeURIComponent(nodeId)}`}>{nodesById.get(nodeId)?.name ?? nodeId}</Link>;
};

const ReachedAtCell = ({ mapping }: { mapping: PortMappingView }) => {
  const node = useRowActions().nodesById.get(mapping.nodeId);
  return <>{node ? `${node.externalIpAddr}:${mapping.hostPort}` : '—'}</>;
};

const RemoveCell = ({ mapping }: { mapping: PortMappingView }) => {
  const { removingId, onRemove } = useRowActions();
  return (
    <ActionButton
      least="operator"
      size="sm"
      variant="danger"
      icon={<TrashIcon />}
      onClick={() => onRemove(mapping)}
      isBusy={removingId === mapping.id}
      aria-label={`Remove ${mapping.protocol}/${mapping.hostPort} of ${mapping.instanceId}`}
    >
      Remove
    </ActionButton>
  );
};

const column = createDataColumns<PortMappingView>();

/** Every mapping: which host port of which node reaches which port of which instance. */
export const portMappingColumns = column.columns([
  column.accessor('nodeId', {
    id: 'node',
    header: 'Node',
    sortFn: 'alphanumeric',
    filterFn: (row, _columnId, nodeId: string) => row.original.nodeId === nodeId,
    cell: (info) => <NodeCell nodeId={info.row.original.nodeId} />,
  }),
  column.accessor('hostPort', {
    header: 'Host port',
    sortFn: 'basic',
    filterFn: (row, _columnId, hostPort: number) => row.original.hostPort === hostPort,
    meta: { className: 'mono cell-title' },
  }),
  column.accessor('protocol', { header: 'Protocol', sortFn: 'alphanumeric' }),
  column.accessor('instanceId', {
    id: 'instance',
    header: 'Instance',
    sortFn: 'alphanumeric',
    cell: (info) => (
      <Link href={`/instances/${encodeURIComponent(info.row.original.instanceId)}`}>
        {info.row.original.instanceId}
      </Link>
    ),
  }),
  column.accessor('instancePort', {
    header: 'Instance port',
    sortFn: 'basic',
    meta: { className: 'mono' },
    cell: (info) => `${info.row.original.instance.ipAddr}:${info.row.original.instancePort}`,
  }),
  column.display({
    id: 'reachedAt',
    header: 'Reached at',
    cell: (info) => <ReachedAtCell mapping={info.row.original} />,
    meta: { className: 'mono' },
  }),
  column.accessor((mapping) => mapping.instance.status, {
    id: 'status',
    header: 'Status',
    sortFn: 'alphanumeric',
    cell: (info) => <StatusBadge status={info.row.original.instance.status} />,
  }),
  column.display({
    id: 'actions',
    header: 'Actions',
    cell: (info) => <RemoveCell mapping={info.row.original} />,
    meta: { className: 'cell-actions' },
  }),
]);
