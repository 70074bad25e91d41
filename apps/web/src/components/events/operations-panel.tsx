'use client';

import Link from 'next/link';
import { useMemo, useState } from 'react';
import { pluralize } from '../../client/format';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { EmptyState } from '../ui/empty-state';
import { EventsIcon } from '../ui/icons';
import { OperationRow } from './operation-row';
import { groupOperations, type OperationGroup } from './operations-state';
import { useNow, useOperations } from './use-operations';

const descriptionByStatus = {
  live: "What the control plane and each node's agent are doing, as it happens",
  connecting: 'Connecting to the operation stream…',
  error: 'The operation stream was interrupted: reconnecting…',
  paused: 'Live updates are paused: what is shown is not updated',
} as const;

const statusBadge = {
  live: { tone: 'badge-green', label: 'live' },
  connecting: { tone: 'badge-blue', label: 'connecting' },
  error: { tone: 'badge-red', label: 'reconnecting' },
  paused: { tone: 'badge-amber', label: 'paused' },
} as const;

/** Ended operations shown per place until the user asks for more. */
const endedShown = 5;

const GroupPanel = ({ group, now }: { group: OperationGroup; now: number }) => {
  const [isExpanded, setExpanded] = useState(false);
  const hidden = isExpanded ? 0 : Math.max(0, group.ended.length - endedShown);
  const ended = hidden > 0 ? group.ended.slice(0, endedShown) : group.ended;
  return (
    <section className="ops-group" data-testid="operation-group" data-group={group.id}>
      <header className="ops-group-header">
        <h3>
          {group.id === 'control-plane' ? (
            group.title
          ) : (
            <Link href={`/nodes/${encodeURIComponent(group.id)}`}>{group.title}</Link>
          )}
        </h3>
        {group.running.length > 0 ? (
          <span className="badge badge-blue">
            {pluralize({ count: group.running.length, one: 'running', many: 'running' })}
          </span>
        ) : (
          <span className="badge">idle</span>
        )}
      </header>
      <ul className="item-list">
        {[...group.running, ...ended].map((operation) => (
          <OperationRow key={operation.key} operation={operation} now={now} />
        ))}
      </ul>
      {hidden > 0 || isExpanded ? (
        <div className="ops-group-footer">
          <Button size="sm" variant="ghost" onClick={() => setExpanded(!isExpanded)}>
            {isExpanded ? 'Show fewer' : `Show ${hidden} earlier`}
          </Button>
        </div>
      ) : null}
    </section>
  );
};

/**
 * Every operation in the cluster while it runs: the control plane's changes with their progress, and
 * each node agent's calls, with elapsed times, durations and errors. Pausing live updates pauses it.
 */
export const OperationsPanel = () => {
  const { operations, status } = useOperations();
  const groups = useMemo(() => groupOperations({ operations: operations.values() }), [operations]);
  const isRunning = groups.some(({ running }) => running.length > 0);
  const now = useNow({ isTicking: isRunning && status !== 'paused' });
  return (
    <Card
      title="Operations"
      description={descriptionByStatus[status]}
      actions={
        <span
          className={`badge badge-dot ${statusBadge[status].tone}`}
          data-testid="operations-status"
          data-status={status}
        >
          {statusBadge[status].label}
        </span>
      }
      testId="operations-panel"
      isFlush
    >
      {groups.length === 0 ? (
        <EmptyState
          icon={<EventsIcon />}
          title={status === 'paused' ? 'Paused' : 'No operations yet'}
          description="Changes to the cluster appear here while they run: on the control plane, and on each node's agent."
        />
      ) : (
        <div className="ops-grid">
          {groups.map((group) => (
            <GroupPanel key={group.id} group={group} now={now} />
          ))}
        </div>
      )}
    </Card>
  );
};
