'use client';

import Link from 'next/link';
import { createContext, useContext } from 'react';
import { formatAgo } from '../../client/format';
import type { useSelection } from '../../client/selection';
import type { NodeSummary } from '../../client/trpc';
import { createDataColumns } from '../ui/data-table';
import { SelectAllCheckbox, SelectRowCheckbox } from '../ui/selection-checkboxes';
import { StatusBadge } from '../ui/status-badge';

// The selection reaches the cells through a context, so the columns stay one module-level constant.
export const NodeSelectionContext = createContext<ReturnType<typeof useSelection> | null>(null);

const useNodeSelection = () => {
  const selection = useContext(NodeSelectionContext);
  if (!selection) throw new Error('node cells need a NodeSelectionContext');
  return selection;
};

const SelectAllHeader = () => {
  const selection = useNodeSelection();
  return <SelectAllCheckbox selection={selection} label="Select all nodes" />;
};

const SelectCell = ({ node }: { node: NodeSummary }) => {
  const selection = useNodeSelection();
  return <SelectRowCheckbox selection={selection} id={node.id} name={node.name} />;
};

const column = createDataColumns<NodeSummary>();

/** The nodes table: status, addresses, instance count, agent, last contact. */
export const nodeColumns = column.columns([
  column.display({
    id: 'select',
    header: () => <SelectAllHeader />,
    cell: (info) => <SelectCell node={info.row.original} />,
    meta: { className: 'cell-check' },
  }),
  column.accessor('name', {
    id: 'node',
    header: 'Node',
    sortFn: 'alphanumeric',
    cell: (info) => {
      const node = info.row.original;
      return (
        <>
          <Link className="cell-title" href={`/nodes/${encodeURIComponent(node.id)}`}>
            {node.name}
          </Link>
          {node.name !== node.id ? <div className="cell-sub mono">{node.id}</div> : null}
        </>
      );
    },
  }),
  column.accessor('status', {
    header: 'Status',
    sortFn: 'alphanumeric',
    cell: (info) => (
      <>
        <StatusBadge status={info.row.original.status} />
        {info.row.original.statusReason ? (
          <div className="cell-sub" style={{ maxWidth: 280 }}>
            {info.row.original.statusReason}
          </div>
        ) : null}
      </>
    ),
  }),
  column.accessor('subnet', { header: 'Subnet', sortFn: 'alphanumeric', meta: { className: 'mono' } }),
  column.accessor('nodeIpAddr', {
    header: 'Bridge address',
    sortFn: 'alphanumeric',
    meta: { className: 'mono' },
  }),
  column.accessor('externalIpAddr', {
    header: 'External address',
    sortFn: 'alphanumeric',
    meta: { className: 'mono' },
  }),
  column.accessor((node) => node._count.instances, { id: 'instances', header: 'Instances', sortFn: 'basic' }),
  column.accessor('agentUrl', {
    id: 'agent',
    header: 'Agent',
    enableSorting: false,
    cell: (info) => (
      <>
        <div className="mono">{info.row.original.agentUrl}</div>
        <div className="cell-sub">
          {info.row.original.agentVersion ? `agent ${info.row.original.agentVersion}` : '—'}
        </div>
      </>
    ),
  }),
  column.accessor((node) => (node.lastSeenAt ? new Date(node.lastSeenAt).getTime() : 0), {
    id: 'lastSeen',
    header: 'Last seen',
    sortFn: 'basic',
    cell: (info) => formatAgo({ at: info.row.original.lastSeenAt }),
  }),
]);
