'use client';

import { type FormEvent, useState } from 'react';
import { Button } from '../ui/button';
import { Field } from '../ui/field';

type SignInError = { field?: string; message: string };

export const SignInForm = () => {
  // The first admin is `admin` (a fresh install's only user).
  const [name, setName] = useState('admin');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<SignInError | undefined>();
  const [isBusy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/api/auth/sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, password }),
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => undefined)) as { error?: SignInError } | undefined;
        setError(body?.error ?? { message: `sign-in failed (HTTP ${response.status})` });
        return;
      }
      // A full load: the dashboard renders afresh for the signed-in user, nothing of before is kept.
      window.location.assign('/');
    } catch (failure) {
      setError({ message: `the control plane did not answer: ${String(failure)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit} data-testid="sign-in-form">
      <Field label="User" htmlFor="sign-in-name" error={error?.field === 'name' ? error.message : undefined}>
        <input
          id="sign-in-name"
          name="name"
          className="input"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={name}
          onChange={(event) => setName(event.target.value)}
          aria-invalid={error?.field === 'name' ? true : undefined}
          required
        />
      </Field>
      <Field
        label="Password"
        htmlFor="sign-in-password"
        error={error && error.field !== 'name' ? error.message : undefined}
      >
        <input
          id="sign-in-password"
          name="password"
          type="password"
          className="input"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          aria-invalid={error && error.field !== 'name' ? true : undefined}
          required
        />
      </Field>
      <Button type="submit" variant="primary" isBusy={isBusy}>
        Sign in
      </Button>
    </form>
  );
};
