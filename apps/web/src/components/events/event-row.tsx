import Link from 'next/link';
import { formatAgo, formatDuration, formatTime } from '../../client/format';
import type { ClusterEvent } from '../../server/events/event-bus';

/** An audit entry as the dashboard receives it: the live event (its time maybe still a string), with details. */
export type EventLike = Omit<ClusterEvent, 'at'> & { at: string | Date; details?: unknown };

const actionLabels: Record<string, string> = {
  'node.add': 'Added node',
  'node.remove': 'Removed node',
  'node.retry': 'Retried node',
  'node.reapply': 'Re-applied node',
  'node.status': 'Node status changed',
  'instance.create': 'Created instance',
  'instance.delete': 'Deleted instance',
  'portMapping.set': 'Changed port mappings',
  'inspection.reconcile': 'Fixed drift',
  'inspection.cleanOrphans': 'Cleaned orphans',
  'cluster.updateSettings': 'Changed the address plan',
};

export const describeAction = (action: string) => actionLabels[action] ?? action;

/** Where an event's target lives in the dashboard, if it has a page. */
export const linkToTarget = ({ targetType, targetId }: { targetType: string; targetId: string }) => {
  if (targetType === 'node') return `/nodes/${encodeURIComponent(targetId)}`;
  if (targetType === 'instance') return `/instances/${encodeURIComponent(targetId)}`;
  return undefined;
};

const describeStatusChange = (details: unknown) => {
  if (details && typeof details === 'object' && 'from' in details && 'to' in details)
    return `${String(details.from)} → ${String(details.to)}`;
  return undefined;
};

const listText = (value: unknown) => (Array.isArray(value) ? value.map(String).join('; ') : undefined);

/** The few details worth a line: what a fix or a clean-up did, the address or subnet given out. */
export const describeDetails = (details: unknown) => {
  if (!details || typeof details !== 'object') return undefined;
  const record = details as Record<string, unknown>;
  const parts = [
    listText(record.fixed) && `fixed ${listText(record.fixed)}`,
    listText(record.removed) && `removed ${listText(record.removed)}`,
    typeof record.subnet === 'string' && `subnet ${record.subnet}`,
    typeof record.ipAddr === 'string' && `address ${record.ipAddr}`,
    listText(record.failures) && `not done: ${listText(record.failures)}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
};

/** One audit entry: what happened to what, by whom, how it ended and how long it took. */
export const EventRow = ({ event, isCompact = false }: { event: EventLike; isCompact?: boolean }) => {
  const href = linkToTarget(event);
  const statusChange = event.action === 'node.status' ? describeStatusChange(event.details) : undefined;
  const detailText = isCompact || event.action === 'node.status' ? undefined : describeDetails(event.details);
  return (
    <li className="item" data-testid="event-row" data-action={event.action}>
      <span className={`timeline-dot ${event.result === 'ok' ? '' : 'error'}`} aria-hidden="true" />
      <div className="item-main">
        <div className="item-title">
          {describeAction(event.action)}{' '}
          {href ? <Link href={href}>{event.targetId}</Link> : <span className="mono">{event.targetId}</span>}
          {statusChange ? <span className="muted"> ({statusChange})</span> : null}
        </div>
        <div className="item-detail">
          by {event.actor} · {isCompact ? formatAgo({ at: event.at }) : formatTime(event.at)}
          {event.durationMs > 0 ? ` · ${formatDuration(event.durationMs)}` : ''}
        </div>
        {detailText ? <div className="item-detail">{detailText}</div> : null}
        {event.error ? <div className="item-detail bad-text">{event.error}</div> : null}
      </div>
      <span className={`badge ${event.result === 'ok' ? 'badge-green' : 'badge-red'}`}>
        {event.result === 'ok' ? 'ok' : 'failed'}
      </span>
    </li>
  );
};
