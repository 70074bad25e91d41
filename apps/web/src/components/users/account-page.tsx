'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { readError } from '../../client/read-error';
import { roleLabels, useSessionUser } from '../../client/session-context';
import { useTRPC } from '../../client/trpc';
import {
  emptyNewPassword,
  findPasswordMismatch,
  type NewPassword,
  NewPasswordFields,
  PasswordField,
} from '../auth/password-fields';
import { Button } from '../ui/button';
import { Card } from '../ui/card';
import { ErrorNotice, Notice } from '../ui/notice';
import { PageHeader } from '../ui/page-header';
import { SessionsTable } from './sessions-table';

const PasswordForm = () => {
  const trpc = useTRPC();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState<NewPassword>(emptyNewPassword);
  const [mismatch, setMismatch] = useState<string | undefined>();
  const change = useMutation(trpc.user.changeOwnPassword.mutationOptions());
  const error = readError(change.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = findPasswordMismatch(newPassword);
    setMismatch(found);
    if (found) return;
    change.mutate(
      { currentPassword, newPassword: newPassword.password },
      {
        onSuccess: () => {
          setCurrent('');
          setNew(emptyNewPassword);
        },
      },
    );
  };
  return (
    <form className="form" onSubmit={submit} data-testid="password-form">
      <PasswordField
        id="current-password"
        label="Current password"
        autoComplete="current-password"
        value={currentPassword}
        onChange={setCurrent}
        error={error?.field === 'currentPassword' ? error.message : undefined}
      />
      <NewPasswordFields
        value={newPassword}
        onChange={setNew}
        repeatLabel="Repeat the new password"
        passwordError={error?.field === 'newPassword' ? error.message : undefined}
        repeatedError={mismatch}
      />
      {error && !error.field ? <ErrorNotice error={error} /> : null}
      {change.isSuccess ? (
        <Notice tone="success" testId="password-changed">
          Password changed; your other sessions were signed out.
        </Notice>
      ) : null}
      <Button type="submit" variant="primary" isBusy={change.isPending}>
        Change password
      </Button>
    </form>
  );
};

/** One's own account: the password, and the browsers signed in as oneself ("sign out everywhere"). */
export const AccountPage = () => {
  const trpc = useTRPC();
  const user = useSessionUser();
  const sessions = useQuery(trpc.session.listOwn.queryOptions());
  const endAll = useMutation(
    trpc.session.endOwn.mutationOptions({
      // This browser's session ended too: a full load lands on the sign-in page.
      onSuccess: () => window.location.assign('/sign-in'),
    }),
  );
  return (
    <div className="stack">
      <PageHeader title="Account" description={`Signed in as ${user.name} (${roleLabels[user.role]}).`} />
      <div className="grid-2">
        <Card title="Password">
          <PasswordForm />
        </Card>
        <Card
          title="My sessions"
          description="The browsers signed in as you."
          actions={
            <Button
              variant="danger"
              size="sm"
              isBusy={endAll.isPending}
              onClick={() => endAll.mutate()}
              data-testid="sign-out-everywhere"
            >
              Sign out everywhere
            </Button>
          }
          isFlush
        >
          <ErrorNotice error={readError(sessions.error ?? endAll.error)} />
          <SessionsTable sessions={sessions.data} isUserShown={false} />
        </Card>
      </div>
    </div>
  );
};
