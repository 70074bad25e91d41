'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { formatAgo, formatTime } from '../../client/format';
import { readError } from '../../client/read-error';
import { useSessionUser } from '../../client/session-context';
import { type RouterOutputs, useTRPC } from '../../client/trpc';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { Field } from '../ui/field';
import { ErrorNotice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { EmptyRow, TableHead } from '../ui/plain-table';
import { StatusBadge } from '../ui/status-badge';
import { NewTokenSecret } from './new-token-secret';

type CreatedToken = RouterOutputs['token']['create'];
type ListedToken = RouterOutputs['token']['list'][number];

const expiryChoices = [7, 30, 90, 365] as const;

/**
 * API tokens for scripts: make one (name, scope, expiry; the secret is shown once), see each token's prefix,
 * scope, expiry and last use, and revoke it. An admin also sees, and may revoke, every user's tokens.
 */
export const ApiTokensPage = () => {
  const trpc = useTRPC();
  const user = useSessionUser();
  const queryClient = useQueryClient();
  const isAdmin = user.role === 'admin';
  const [isAllShown, setAllShown] = useState(false);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('read');
  const [expiresInDays, setExpiresInDays] = useState<number>(90);
  const [created, setCreated] = useState<CreatedToken | undefined>();
  const own = useQuery({ ...trpc.token.list.queryOptions(), enabled: !isAllShown });
  const all = useQuery({ ...trpc.token.listAll.queryOptions(), enabled: isAdmin && isAllShown });
  const tokens: ListedToken[] | undefined = isAllShown ? all.data : own.data;
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.token.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.token.listAll.queryKey() }),
    ]);
  const create = useMutation(
    trpc.token.create.mutationOptions({
      onSuccess: async (token) => {
        setCreated(token);
        setName('');
        await refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.token.revoke.mutationOptions({ onSuccess: refresh }));
  const createError = readError(create.error);
  const columns = [
    ...(isAllShown ? ['User'] : []),
    'Name',
    'Token',
    'Scope',
    'Expires',
    'Last used',
    'State',
    '',
  ];

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Personal tokens for scripts: they act as you, within your role, on the same API the dashboard uses."
      />
      <Card title="Make a token">
        <form
          className="stack"
          data-testid="token-form"
          onSubmit={(event) => {
            event.preventDefault();
            setCreated(undefined);
            create.mutate({ name, scope, expiresInDays });
          }}
        >
          <div className="form-row">
            <Field
              label="Name"
              htmlFor="token-name"
              hint="What the token is for, e.g. deploy script"
              error={createError?.field === 'name' ? createError.message : undefined}
            >
              <input
                id="token-name"
                className="input"
                value={name}
                maxLength={64}
                required
                onChange={(event) => setName(event.target.value)}
              />
            </Field>
            <Field
              label="Scope"
              htmlFor="token-scope"
              hint={user.role === 'viewer' ? 'A viewer makes read tokens only' : 'Read refuses every change'}
              error={createError?.field === 'scope' ? createError.message : undefined}
            >
              <select
                id="token-scope"
                className="select"
                value={scope}
                onChange={(event) => setScope(event.target.value === 'write' ? 'write' : 'read')}
              >
                <option value="read">read</option>
                <option value="write" disabled={user.role === 'viewer'}>
                  write
                </option>
              </select>
            </Field>
            <Field label="Expires in" htmlFor="token-expiry">
              <select
                id="token-expiry"
                className="select"
                value={expiresInDays}
                onChange={(event) => setExpiresInDays(Number(event.target.value))}
              >
                {expiryChoices.map((days) => (
                  <option key={days} value={days}>
                    {days} days
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div className="row-wrap">
            <ActionButton type="submit" variant="primary" isBusy={create.isPending}>
              Make token
            </ActionButton>
          </div>
        </form>
        {createError && !createError.field ? <ErrorNotice error={createError} /> : null}
        {created ? <NewTokenSecret name={created.name} secret={created.secret} /> : null}
      </Card>
      <Card
        title={isAllShown ? 'Every user’s tokens' : 'Your tokens'}
        isFlush
        actions={
          isAdmin ? (
            <label className="row-wrap">
              <input
                type="checkbox"
                checked={isAllShown}
                onChange={(event) => setAllShown(event.target.checked)}
              />
              All users
            </label>
          ) : undefined
        }
      >
        <ErrorNotice error={readError(revoke.error)} />
        <table className="table" data-testid="api-tokens">
          <TableHead columns={columns} />
          <tbody>
            {(tokens ?? []).map((token) => (
              <tr key={token.id} data-token-name={token.name}>
                {isAllShown ? <td>{token.userName}</td> : null}
                <td>{token.name}</td>
                <td className="mono">{token.prefix}…</td>
                <td>{token.scope}</td>
                <td>{formatTime(token.expiresAt)}</td>
                <td>{formatAgo({ at: token.lastUsedAt })}</td>
                <td>
                  <StatusBadge status={token.state} />
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
            {tokens?.length === 0 ? (
              <EmptyRow columnCount={columns.length} className="cell-sub">
                No API tokens yet.
              </EmptyRow>
            ) : null}
          </tbody>
        </table>
      </Card>
    </>
  );
};
