import { type EventLike, EventRow } from './event-row';

/** The audit entries of one node or instance (newest first), or a line saying there are none yet. */
export const EventHistory = ({ entries }: { entries: readonly EventLike[] | undefined }) =>
  entries?.length === 0 ? (
    <p className="card-body muted">No changes recorded yet.</p>
  ) : (
    <ul className="item-list">
      {(entries ?? []).map((event) => (
        <EventRow key={event.id} event={event} />
      ))}
    </ul>
  );
