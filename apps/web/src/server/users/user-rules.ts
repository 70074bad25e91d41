import { WebError } from '../errors/web-error.js';

/** What a client sees of a user: never the password hash. */
export const userSelect = {
  id: true,
  name: true,
  role: true,
  disabled: true,
  createdAt: true,
  updatedAt: true,
  passwordHash: true,
} as const;

type SelectedUser = { passwordHash: string | null } & Record<string, unknown>;

/** A user as a client sees it: `hasPassword` false while an invite is waiting. */
export const toPublicUser = <User extends SelectedUser>({ passwordHash, ...user }: User) => ({
  ...user,
  hasPassword: passwordHash !== null,
});

/**
 * There is always an enabled admin: a change that would leave none (demoting or disabling the last one) is
 * refused, naming the field.
 */
export const assertAdminRemains = ({
  enabledAdminsAfter,
  field,
}: {
  enabledAdminsAfter: number;
  field: 'role' | 'disabled';
}) => {
  if (enabledAdminsAfter < 1)
    throw new WebError({
      code: 'CONFLICT',
      field,
      message: 'this is the last enabled admin: make another user admin first',
    });
};

export const notFoundUser = (userId: string) =>
  new WebError({ code: 'NOT_FOUND', field: 'userId', message: `no user ${userId}` });
