'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { formatTime } from '../../client/format';
import { readError } from '../../client/read-error';
import { roleLabels, usePermission, useSessionUser } from '../../client/session-context';
import { useTRPC } from '../../client/trpc';
import { type UserRole, userRoles } from '../../server/auth/context-user';
import { ActionButton } from '../ui/button';
import { Card } from '../ui/card';
import { ErrorNotice, Notice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { EmptyRow, TableHead } from '../ui/plain-table';
import { StatusBadge } from '../ui/status-badge';
import { InviteForm } from './invite-form';

/**
 * An admin's users: invite (the link is shown once), change a role, disable (their sessions end at once) or
 * enable. The last enabled admin can be neither demoted nor disabled (the server says so).
 */
export const UsersPage = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useSessionUser();
  const { canChange, reason } = usePermission('admin');
  const users = useQuery({ ...trpc.user.list.queryOptions(), enabled: canChange });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const changeRole = useMutation(trpc.user.changeRole.mutationOptions({ onSuccess: refresh }));
  const setDisabled = useMutation(trpc.user.setDisabled.mutationOptions({ onSuccess: refresh }));
  return (
    <div className="stack">
      <PageHeader
        title="Users"
        description="Admins manage everything; operators create and delete instances and port mappings; viewers only look."
      />
      {canChange ? null : <Notice tone="info">{reason}</Notice>}
      {canChange ? (
        <>
          <Card title="Invite a user" description="They choose their own password through a one-time link.">
            <InviteForm />
          </Card>
          <ErrorNotice error={readError(users.error ?? changeRole.error ?? setDisabled.error)} />
          <Card isFlush>
            <table className="table" data-testid="users-table">
              <TableHead columns={['Name', 'Role', 'State', 'Since', '']} />
              <tbody>
                {(users.data ?? []).map((user) => (
                  <tr key={user.id} data-testid="user-row" data-user={user.name}>
                    <td>
                      {user.name}
                      {user.name === me.name ? <span className="cell-sub"> (you)</span> : null}
                    </td>
                    <td>
                      <select
                        className="select"
                        aria-label={`Role of ${user.name}`}
                        value={user.role}
                        disabled={changeRole.isPending}
                        onChange={(event) =>
                          changeRole.mutate({ userId: user.id, role: event.target.value as UserRole })
                        }
                      >
                        {userRoles.map((role) => (
                          <option key={role} value={role}>
                            {roleLabels[role]}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <StatusBadge
                        status={user.disabled ? 'disabled' : user.hasPassword ? 'active' : 'invited'}
                      />
                    </td>
                    <td>{formatTime(user.createdAt)}</td>
                    <td>
                      <ActionButton
                        size="sm"
                        variant={user.disabled ? 'secondary' : 'danger'}
                        isBusy={setDisabled.isPending && setDisabled.variables?.userId === user.id}
                        onClick={() => setDisabled.mutate({ userId: user.id, disabled: !user.disabled })}
                      >
                        {user.disabled ? 'Enable' : 'Disable'}
                      </ActionButton>
                    </td>
                  </tr>
                ))}
                {users.data?.length === 0 ? <EmptyRow columnCount={5}>No users.</EmptyRow> : null}
              </tbody>
            </table>
          </Card>
        </>
      ) : null}
    </div>
  );
};
