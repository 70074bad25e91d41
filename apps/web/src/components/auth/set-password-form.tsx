'use client';

import Link from 'next/link';
import { type FormEvent, useEffect, useState } from 'react';
import { formatTime } from '../../client/format';
import { Button } from '../ui/button';
import { Notice } from '../ui/notice';
import {
  emptyNewPassword,
  findPasswordMismatch,
  type NewPassword,
  NewPasswordFields,
} from './password-fields';
import { type AuthError, postAuth } from './post-auth';

type Invite = { name: string; expiresAt: string };

/**
 * The invited user's password: the link's token is after `#` (never sent to a server log), read here,
 * checked (whose link, until when), then sent with the chosen password. The link works once.
 */
export const SetPasswordForm = () => {
  const [token, setToken] = useState('');
  const [invite, setInvite] = useState<Invite | undefined>();
  const [newPassword, setNewPassword] = useState<NewPassword>(emptyNewPassword);
  const [error, setError] = useState<AuthError | undefined>();
  const [isBusy, setBusy] = useState(false);
  const [isDone, setDone] = useState(false);

  useEffect(() => {
    const fromLink = window.location.hash.slice(1);
    setToken(fromLink);
    void postAuth<Invite>({ path: '/api/auth/invite', body: { token: fromLink } }).then((answer) =>
      answer.error ? setError(answer.error) : setInvite(answer.result),
    );
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const mismatch = findPasswordMismatch(newPassword);
    if (mismatch) {
      setError({ field: 'repeated', message: mismatch });
      return;
    }
    setBusy(true);
    setError(undefined);
    const answer = await postAuth<{ name: string }>({
      path: '/api/auth/set-password',
      body: { token, password: newPassword.password },
    });
    setBusy(false);
    if (answer.error) setError(answer.error);
    else setDone(true);
  };

  if (isDone)
    return (
      <Notice tone="success" title="Your password is set">
        <Link href="/sign-in">Sign in</Link> as <strong>{invite?.name}</strong>.
      </Notice>
    );
  if (!invite)
    return error ? (
      <Notice tone="error" title="This link cannot be used">
        {error.message}. Ask your admin for a new invite.
      </Notice>
    ) : (
      <p className="muted">Checking your link…</p>
    );
  return (
    <form className="form" onSubmit={submit} data-testid="set-password-form">
      <p>
        Choose a password for <strong data-testid="invited-name">{invite.name}</strong> (the link works until{' '}
        {formatTime(invite.expiresAt)}, once).
      </p>
      <NewPasswordFields
        value={newPassword}
        onChange={setNewPassword}
        repeatLabel="Repeat it"
        passwordError={error?.field === 'password' ? error.message : undefined}
        repeatedError={error?.field === 'repeated' ? error.message : undefined}
      />
      {error && error.field !== 'password' && error.field !== 'repeated' ? (
        <Notice tone="error">{error.message}</Notice>
      ) : null}
      <Button type="submit" variant="primary" isBusy={isBusy}>
        Set password
      </Button>
    </form>
  );
};
