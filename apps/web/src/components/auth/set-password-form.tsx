'use client';

import Link from 'next/link';
import { type FormEvent, useEffect, useState } from 'react';
import { formatTime } from '../../client/format';
import { Button } from '../ui/button';
import { Field } from '../ui/field';
import { Notice } from '../ui/notice';
import { type AuthError, postAuth } from './post-auth';

type Invite = { name: string; expiresAt: string };

/**
 * The invited user's password: the link's token is after `#` (never sent to a server log), read here,
 * checked (whose link, until when), then sent with the chosen password. The link works once.
 */
export const SetPasswordForm = () => {
  const [token, setToken] = useState('');
  const [invite, setInvite] = useState<Invite | undefined>();
  const [password, setPassword] = useState('');
  const [repeated, setRepeated] = useState('');
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
    if (password !== repeated) {
      setError({ field: 'repeated', message: 'the two passwords differ' });
      return;
    }
    setBusy(true);
    setError(undefined);
    const answer = await postAuth<{ name: string }>({
      path: '/api/auth/set-password',
      body: { token, password },
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
      <Field
        label="New password"
        htmlFor="new-password"
        hint="At least 12 characters."
        error={error?.field === 'password' ? error.message : undefined}
      >
        <input
          id="new-password"
          type="password"
          className="input"
          autoComplete="new-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          required
        />
      </Field>
      <Field
        label="Repeat it"
        htmlFor="repeat-password"
        error={error?.field === 'repeated' ? error.message : undefined}
      >
        <input
          id="repeat-password"
          type="password"
          className="input"
          autoComplete="new-password"
          value={repeated}
          onChange={(event) => setRepeated(event.target.value)}
          required
        />
      </Field>
      {error && error.field !== 'password' && error.field !== 'repeated' ? (
        <Notice tone="error">{error.message}</Notice>
      ) : null}
      <Button type="submit" variant="primary" isBusy={isBusy}>
        Set password
      </Button>
    </form>
  );
};
