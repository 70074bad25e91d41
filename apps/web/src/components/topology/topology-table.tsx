'use client';

import Link from 'next/link';
import { TableHead } from '../ui/plain-table';
import { PortChips } from '../ui/port-chips';
import { StatusBadge } from '../ui/status-badge';
import type { TopologyInstance, TopologyNode } from './build-topology';

/** The same topology as a table: the fallback for very large clusters and for reading addresses. */
export const TopologyTable = ({
  nodes,
  instances,
}: {
  nodes: readonly TopologyNode[];
  instances: readonly TopologyInstance[];
}) => (
  <div className="table-wrap">
    <table className="table" data-testid="topology-table">
      <TableHead
        columns={['Node', 'Subnet', 'External address', 'Instance', 'Address', 'Port mappings', 'Status']}
      />
      <tbody>
        {nodes.map((node) => {
          const own = instances.filter((instance) => instance.nodeId === node.id);
          const rows = own.length === 0 ? [undefined] : own;
          return rows.map((instance, index) => (
            <tr key={`${node.id}:${instance?.id ?? '-'}`}>
              {index === 0 ? (
                <>
                  <td rowSpan={rows.length}>
                    <Link className="cell-title" href={`/nodes/${encodeURIComponent(node.id)}`}>
                      {node.name}
                    </Link>
                    <div>
                      <StatusBadge status={node.status} title={node.statusReason} />
                    </div>
                  </td>
                  <td rowSpan={rows.length} className="mono">
                    {node.subnet}
                  </td>
                  <td rowSpan={rows.length} className="mono">
                    {node.externalIpAddr}
                  </td>
                </>
              ) : null}
              {instance ? (
                <>
                  <td>
                    <Link href={`/instances/${encodeURIComponent(instance.id)}`}>{instance.id}</Link>
                  </td>
                  <td className="mono">{instance.ipAddr}</td>
                  <td>
                    <PortChips ports={instance.portMappings} />
                  </td>
                  <td>
                    <StatusBadge status={instance.status} />
                  </td>
                </>
              ) : (
                <td colSpan={4} className="muted">
                  No instances
                </td>
              )}
            </tr>
          ));
        })}
      </tbody>
    </table>
  </div>
);
