'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { type Filter, FilterSelect } from '../ui/filter-select';
import { EventsIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { describeAction, EventRow } from './event-row';
import { OperationsPanel } from './operations-panel';

const pageSize = 50;
const targetTypeFilter: Filter = {
  label: 'Target type',
  anyLabel: 'Any target',
  options: { node: 'Nodes', instance: 'Instances', cluster: 'Cluster' },
};
const resultFilter: Filter = {
  label: 'Result',
  anyLabel: 'Any result',
  options: { ok: 'Succeeded', error: 'Failed' },
};

/** What runs in the cluster, live; then the audit log (every change, who, what, how it ended), filterable. */
export const EventsPage = () => {
  const trpc = useTRPC();
  const [targetType, setTargetType] = useState('');
  const [targetId, setTargetId] = useState('');
  const [user, setUser] = useState('');
  const [result, setResult] = useState('');
  const [action, setAction] = useState('');
  const input = {
    limit: pageSize,
    ...(targetType ? { targetType } : {}),
    ...(targetId.trim() ? { targetId: targetId.trim() } : {}),
    ...(user.trim() ? { user: user.trim() } : {}),
  };
  const events = useInfiniteQuery(
    trpc.event.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor }),
  );
  const entries = useMemo(() => (events.data?.pages ?? []).flatMap((page) => page.entries), [events.data]);
  const actionFilter = useMemo(
    (): Filter => ({
      label: 'Action',
      anyLabel: 'Any action',
      options: Object.fromEntries(
        [...new Set(entries.map((entry) => entry.action))].sort().map((name) => [name, describeAction(name)]),
      ),
    }),
    [entries],
  );
  const shown = entries.filter(
    (entry) => (!result || entry.result === result) && (!action || entry.action === action),
  );

  return (
    <div className="stack">
      <PageHeader
        title="Events"
        description="Operations as they run on the control plane and the nodes, and the audit log: every change, who made it, and how it ended."
      />
      <OperationsPanel />
      <ErrorNotice error={readError(events.error)} title="Could not load the events" />
      <Card isFlush>
        <div className="toolbar">
          <FilterSelect filter={targetTypeFilter} value={targetType} onChange={setTargetType} />
          <input
            className="input mono"
            placeholder="Target id (exact)"
            aria-label="Target id"
            value={targetId}
            onChange={(event) => setTargetId(event.target.value)}
          />
          <input
            className="input"
            placeholder="User (exact)"
            aria-label="User"
            value={user}
            onChange={(event) => setUser(event.target.value)}
          />
          <FilterSelect filter={actionFilter} value={action} onChange={setAction} />
          <FilterSelect filter={resultFilter} value={result} onChange={setResult} />
        </div>
        {events.data && shown.length === 0 ? (
          <EmptyState
            icon={<EventsIcon />}
            title="No events"
            description="Nothing matches these filters yet."
          />
        ) : (
          <ul className="item-list" data-testid="events-list">
            {shown.map((event) => (
              <EventRow key={event.id} event={event} />
            ))}
          </ul>
        )}
        {events.hasNextPage ? (
          <div className="table-footer">
            <Button size="sm" onClick={() => events.fetchNextPage()} isBusy={events.isFetchingNextPage}>
              Load older events
            </Button>
          </div>
        ) : null}
      </Card>
    </div>
  );
};
