'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { formatTime } from '../../client/format';
import { readError } from '../../client/read-error';
import { roleLabels } from '../../client/session-context';
import { type RouterOutputs, useTRPC } from '../../client/trpc';
import { userRoles } from '../../server/auth/context-user';
import { ActionButton } from '../ui/button';
import { Field } from '../ui/field';
import { ErrorNotice, Notice } from '../ui/notice';

type Invited = RouterOutputs['user']['invite'];

/** The invite's one-time link, shown this once (the control plane keeps only its hash). */
const InviteLink = ({ invited }: { invited: Invited }) => {
  const link = `${window.location.origin}${invited.path}`;
  return (
    <Notice tone="success" title={`Invited ${invited.user.name}`} testId="invite-link">
      <p>
        Send this link to {invited.user.name}: it sets their password, works once, until{' '}
        {formatTime(invited.expiresAt)}. It is shown only now.
      </p>
      <div className="row-wrap">
        <code className="mono" data-testid="invite-url">
          {link}
        </code>
        <button
          type="button"
          className="button button-sm"
          onClick={() => navigator.clipboard?.writeText(link)}
        >
          Copy
        </button>
      </div>
    </Notice>
  );
};

/** An admin invites a user by name and role. */
export const InviteForm = () => {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [role, setRole] = useState<(typeof userRoles)[number]>('viewer');
  const invite = useMutation(
    trpc.user.invite.mutationOptions({
      onSuccess: async () => {
        setName('');
        await queryClient.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
      },
    }),
  );
  const error = readError(invite.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate({ name: name.trim(), role });
  };
  return (
    <div className="stack">
      <form className="form-row" onSubmit={submit} data-testid="invite-form">
        <Field label="Name" htmlFor="invite-name" error={error?.field === 'name' ? error.message : undefined}>
          <input
            id="invite-name"
            className="input"
            placeholder="e.g. jane.doe"
            value={name}
            maxLength={64}
            autoCapitalize="none"
            spellCheck={false}
            onChange={(event) => setName(event.target.value)}
            required
          />
        </Field>
        <Field label="Role" htmlFor="invite-role">
          <select
            id="invite-role"
            className="select"
            value={role}
            onChange={(event) => setRole(event.target.value as typeof role)}
          >
            {userRoles.map((option) => (
              <option key={option} value={option}>
                {roleLabels[option]}
              </option>
            ))}
          </select>
        </Field>
        <ActionButton type="submit" variant="primary" isBusy={invite.isPending}>
          Invite
        </ActionButton>
      </form>
      {error && error.field !== 'name' ? <ErrorNotice error={error} /> : null}
      {invite.data ? <InviteLink invited={invite.data} /> : null}
    </div>
  );
};
