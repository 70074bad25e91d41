'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { useMemo, useState } from 'react';
import { pluralize } from '../../client/format';
import { useLiveRefresh } from '../../client/live-updates';
import { readError } from '../../client/read-error';
import { type PortMappingView, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { DataTable, DataTablePager, useDataTable } from '../ui/data-table';
import { EmptyState } from '../ui/empty-state';
import { FilterSelect, nodeFilterOf } from '../ui/filter-select';
import { PlusIcon, PortIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { AddPortMappingDialog } from './add-port-mapping-dialog';
import { PortMappingRowContext, portMappingColumns } from './port-mapping-columns';

const noMappings: PortMappingView[] = [];

/** The host port a lookup names (1-65535), or undefined while it names none. */
const readHostPort = (text: string) => {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : Number.NaN;
  return port >= 1 && port <= 65535 ? port : undefined;
};

/** The answer to "who holds host port X (on node Y)" when nobody does. */
const describeFreePort = ({ hostPort, nodeName }: { hostPort: number; nodeName: string | undefined }) =>
  nodeName ? `Host port ${hostPort} is free on ${nodeName}` : `Host port ${hostPort} is free on every node`;

/** Every port mapping of the cluster in one list: which host port of which node reaches which instance port. */
export const PortMappingsPage = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refresh = useLiveRefresh();
  const mappings = useQuery({ ...trpc.portMapping.list.queryOptions(), ...refresh });
  const instances = useQuery({ ...trpc.instance.list.queryOptions(), ...refresh });
  const nodes = useQuery({ ...trpc.node.list.queryOptions(), ...refresh });
  const [isAdding, setAdding] = useState(false);
  // `?node=node1&hostPort=8080` opens the page on that lookup (a link can answer "who holds port X on Y").
  const searchParams = useSearchParams();
  const [nodeFilter, setNodeFilter] = useState(searchParams.get('node') ?? '');
  const [hostPortText, setHostPortText] = useState(searchParams.get('hostPort') ?? '');
  const hostPort = readHostPort(hostPortText);
  const [removingId, setRemovingId] = useState<number | undefined>();
  const setPorts = useMutation(
    trpc.portMapping.set.mutationOptions({
      onSettled: async () => {
        setRemovingId(undefined);
        await queryClient.invalidateQueries();
      },
    }),
  );
  const nodesById = useMemo(() => new Map((nodes.data ?? []).map((node) => [node.id, node])), [nodes.data]);
  const columnFilters = useMemo(
    () => [
      ...(nodeFilter ? [{ id: 'node', value: nodeFilter }] : []),
      ...(hostPort ? [{ id: 'hostPort', value: hostPort }] : []),
    ],
    [nodeFilter, hostPort],
  );
  const table = useDataTable({
    data: mappings.data ?? noMappings,
    columns: portMappingColumns,
    getRowId: (mapping) => String(mapping.id),
    columnFilters,
    initialSorting: [
      { id: 'node', desc: false },
      { id: 'hostPort', desc: false },
    ],
  });
  const list = table.getFilteredRowModel().rows;

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
            least="operator"
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
          <FilterSelect filter={nodeFilterOf(nodes.data)} value={nodeFilter} onChange={setNodeFilter} />
          <input
            className="input input-sm"
            type="text"
            inputMode="numeric"
            placeholder="Host port"
            aria-label="Host port"
            value={hostPortText}
            onChange={(event) => setHostPortText(event.target.value)}
            data-testid="host-port-filter"
          />
        </div>
        {mappings.data && list.length === 0 ? (
          <EmptyState
            icon={<PortIcon />}
            title={
              hostPort
                ? describeFreePort({ hostPort, nodeName: nodesById.get(nodeFilter)?.name })
                : nodeFilter
                  ? 'No mapping on this node'
                  : 'No port mappings yet'
            }
            description="Map a host port of a node to a port of one of its instances to reach it from outside."
          />
        ) : (
          <PortMappingRowContext.Provider value={{ nodesById, removingId, onRemove: remove }}>
            <DataTable table={table} testId="port-mappings-table" />
          </PortMappingRowContext.Provider>
        )}
        {list.length > 0 ? (
          <DataTablePager table={table} summary={pluralize({ count: list.length, one: 'mapping' })} />
        ) : null}
      </Card>
      {isAdding && instances.data ? (
        <AddPortMappingDialog isOpen instances={instances.data} onClose={() => setAdding(false)} />
      ) : null}
    </div>
  );
};
