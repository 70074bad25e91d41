'use client';

import { formatAgo, formatTime } from '../../client/format';
import type { RouterOutputs } from '../../client/trpc';
import { Button } from '../ui/button';
import { EmptyRow, TableHead } from '../ui/plain-table';

type SessionView = RouterOutputs['session']['list'][number];

/** Signed-in browsers: who, from where, since when, last seen; with an "End" button when `onEnd` is given. */
export const SessionsTable = ({
  sessions,
  isUserShown,
  onEnd,
  endingId,
}: {
  sessions: readonly SessionView[] | undefined;
  isUserShown: boolean;
  onEnd?: (sessionId: string) => void;
  endingId?: string;
}) => {
  const columns = [...(isUserShown ? ['User'] : []), 'Client', 'Signed in', 'Last seen', 'Expires', ''];
  return (
    <table className="table" data-testid="sessions-table">
      <TableHead columns={columns} />
      <tbody>
        {(sessions ?? []).map((session) => (
          <tr key={session.id} data-testid="session-row" data-user={session.user.name}>
            {isUserShown ? (
              <td>
                {session.user.name} <span className="cell-sub">{session.user.role}</span>
              </td>
            ) : null}
            <td>
              {session.clientAddress ?? 'unknown address'}
              {session.isCurrent ? <span className="badge"> this browser</span> : null}
              <div className="cell-sub" title={session.userAgent ?? undefined}>
                {(session.userAgent ?? 'unknown browser').slice(0, 60)}
              </div>
            </td>
            <td>{formatTime(session.createdAt)}</td>
            <td>{formatAgo({ at: session.lastSeenAt })}</td>
            <td>{formatTime(session.expiresAt)}</td>
            <td>
              {onEnd ? (
                <Button
                  size="sm"
                  variant="danger"
                  isBusy={endingId === session.id}
                  onClick={() => onEnd(session.id)}
                >
                  End
                </Button>
              ) : null}
            </td>
          </tr>
        ))}
        {sessions?.length === 0 ? <EmptyRow columnCount={columns.length}>No sessions.</EmptyRow> : null}
      </tbody>
    </table>
  );
};
