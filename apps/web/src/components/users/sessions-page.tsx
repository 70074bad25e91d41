'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { readError } from '../../client/read-error';
import { usePermission } from '../../client/session-context';
import { useTRPC } from '../../client/trpc';
import { Card } from '../ui/card';
import { ErrorNotice, Notice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { SessionsTable } from './sessions-table';

/** An admin's view of every signed-in browser, of every user, and the button that ends one. */
export const SessionsPage = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { canChange, reason } = usePermission('admin');
  const sessions = useQuery({ ...trpc.session.list.queryOptions(), enabled: canChange });
  const end = useMutation(
    trpc.session.end.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.session.list.queryKey() }),
    }),
  );
  return (
    <div className="stack">
      <PageHeader
        title="Sessions"
        description="Every signed-in browser, of every user. Ending one signs that browser out at its next request."
      />
      {canChange ? null : <Notice tone="info">{reason}</Notice>}
      <ErrorNotice error={readError(sessions.error ?? end.error)} />
      {canChange ? (
        <Card isFlush>
          <SessionsTable
            sessions={sessions.data}
            isUserShown
            onEnd={(sessionId) => end.mutate({ sessionId })}
            endingId={end.isPending ? end.variables?.sessionId : undefined}
          />
        </Card>
      ) : null}
    </div>
  );
};
