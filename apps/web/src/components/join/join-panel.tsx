'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatAgo, formatTime } from '../../client/format';
import { readError } from '../../client/read-error';
import { type RouterOutputs, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { ErrorNotice } from '../ui/notice';
import { EmptyRow, TableHead } from '../ui/plain-table';
import { StatusBadge } from '../ui/status-badge';
import { JoinCommand } from './join-command';

type CreatedToken = RouterOutputs['joinToken']['create'];
type ListedToken = RouterOutputs['joinToken']['list'][number];

const describeToken = (token: ListedToken) => {
  if (token.state === 'used')
    return `used by ${token.usedByNodeId ?? '?'} ${formatAgo({ at: token.usedAt })}`;
  if (token.state === 'revoked')
    return `revoked by ${token.revokedBy ?? '?'} ${formatAgo({ at: token.revokedAt })}`;
  return `${token.state === 'expired' ? 'expired' : 'expires'} ${formatTime(token.expiresAt)}`;
};

/**
 * "Add node" the real way: make a one-time join token and run the join command on the new machine. The
 * node then shows up, pending, and turns ready once set up. Tokens are listed with who made them.
 */
export const JoinPanel = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const tokens = useQuery(trpc.joinToken.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.joinToken.list.queryKey() });
  const create = useMutation(
    trpc.joinToken.create.mutationOptions({
      onSuccess: async (token) => {
        setCreated(token);
        setDescription('');
        await refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.joinToken.revoke.mutationOptions({ onSuccess: refresh }));

  return (
    <div className="stack" data-testid="join-panel">
      <form
        className="form-row"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ description: description.trim() || undefined });
        }}
      >
        <input
          className="input"
          aria-label="What the token is for"
          placeholder="What it is for (optional), e.g. rack 3, node-c"
          value={description}
          maxLength={200}
          onChange={(event) => setDescription(event.target.value)}
        />
        <ActionButton type="submit" variant="primary" isBusy={create.isPending}>
          Make a join token
        </ActionButton>
      </form>
      <ErrorNotice error={readError(create.error ?? revoke.error)} />
      {created ? <JoinCommand token={created.token} caHash={created.caHash} /> : null}
      <table className="table" data-testid="join-tokens">
        <TableHead columns={['Token', 'Made by', 'State', '']} />
        <tbody>
          {(tokens.data ?? []).map((token) => (
            <tr key={token.id}>
              <td>
                {token.description || <span className="cell-sub">no description</span>}
                <div className="cell-sub">made {formatAgo({ at: token.createdAt })}</div>
              </td>
              <td>{token.createdBy}</td>
              <td>
                <StatusBadge status={token.state} /> <span className="cell-sub">{describeToken(token)}</span>
              </td>
              <td>
                {token.state === 'active' ? (
                  <ActionButton
                    size="sm"
                    variant="danger"
                    isBusy={revoke.isPending && revoke.variables?.id === token.id}
                    onClick={() => revoke.mutate({ id: token.id })}
                  >
                    Revoke
                  </ActionButton>
                ) : null}
              </td>
            </tr>
          ))}
          {tokens.data?.length === 0 ? (
            <EmptyRow columnCount={4} className="cell-sub">
              No join tokens yet.
            </EmptyRow>
          ) : null}
        </tbody>
      </table>
    </div>
  );
};
