'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { readError } from '../../client/read-error';
import { useTRPC } from '../../client/trpc';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { EventsIcon } from '../ui/icons';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { describeAction, EventRow } from './event-row';
import { OperationsPanel } from './operations-panel';

const pageSize = 50;

/** What runs in the cluster, live; then the audit log (every change, who, what, how it ended), filterable. */
export const EventsPage = () => {
  const trpc = useTRPC();
  const [targetType, setTargetType] = useState('');
  const [targetId, setTargetId] = useState('');
  const [result, setResult] = useState('');
  const [action, setAction] = useState('');
  const input = {
    limit: pageSize,
    ...(targetType ? { targetType } : {}),
    ...(targetId.trim() ? { targetId: targetId.trim() } : {}),
  };
  const events = useInfiniteQuery(
    trpc.event.list.infiniteQueryOptions(input, { getNextPageParam: (page) => page.nextCursor }),
  );
  const entries = useMemo(() => (events.data?.pages ?? []).flatMap((page) => page.entries), [events.data]);
  const actions = useMemo(() => [...new Set(entries.map((entry) => entry.action))].sort(), [entries]);
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
          <select
            className="select"
            aria-label="Target type"
            value={targetType}
            onChange={(event) => setTargetType(event.target.value)}
          >
            <option value="">Any target</option>
            <option value="node">Nodes</option>
            <option value="instance">Instances</option>
            <option value="cluster">Cluster</option>
          </select>
          <input
            className="input mono"
            placeholder="Target id (exact)"
            aria-label="Target id"
            value={targetId}
            onChange={(event) => setTargetId(event.target.value)}
          />
          <select
            className="select"
            aria-label="Action"
            value={action}
            onChange={(event) => setAction(event.target.value)}
          >
            <option value="">Any action</option>
            {actions.map((name) => (
              <option key={name} value={name}>
                {describeAction(name)}
              </option>
            ))}
          </select>
          <select
            className="select"
            aria-label="Result"
            value={result}
            onChange={(event) => setResult(event.target.value)}
          >
            <option value="">Any result</option>
            <option value="ok">Succeeded</option>
            <option value="error">Failed</option>
          </select>
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
