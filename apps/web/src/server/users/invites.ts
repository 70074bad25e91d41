import { createHash, randomBytes } from 'node:crypto';
import { type Actor, runAudited } from '../audit/audit-log.js';
import { hashPassword } from '../auth/password-hash.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import type { TAcceptInviteRequest, TInviteUserRequest } from './user-requests.js';
import { toPublicUser, userSelect } from './user-rules.js';

const hashInviteToken = (token: string) => createHash('sha256').update(token).digest('hex');

const invalidLink = () =>
  new WebError({
    code: 'NOT_FOUND',
    field: 'token',
    message: 'this set-password link is invalid, used or expired',
  });

/**
 * Invites a user: makes them (without a password) and a one-time set-password link that expires. The answer
 * is the only time the link's token is seen (the database keeps its SHA-256); the link is
 * `/set-password#<token>` (after `#`, so no server or proxy log ever sees it).
 */
export const inviteUser = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TInviteUserRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'user.invite',
    targetType: 'user',
    targetId: request.name,
    details: { name: request.name, role: request.role },
    work: async (note) => {
      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + request.expiresInHours * 3_600_000);
      const user = await deps.db.$transaction(async (tx) => {
        const existing = await tx.user.findUnique({ where: { name: request.name }, select: { id: true } });
        if (existing)
          throw new WebError({
            code: 'CONFLICT',
            field: 'name',
            message: `user ${request.name} exists already`,
          });
        const created = await tx.user.create({
          data: { name: request.name, role: request.role },
          select: userSelect,
        });
        await tx.userInvite.create({
          data: { tokenHash: hashInviteToken(token), userId: created.id, createdBy: actor, expiresAt },
        });
        return created;
      });
      note.targetId = user.id;
      return { user: toPublicUser(user), token, path: `/set-password#${token}`, expiresAt };
    },
  });

const findUsableInvite = async ({ deps, token }: { deps: Pick<ServiceDeps, 'db'>; token: string }) => {
  const invite = await deps.db.userInvite.findUnique({
    where: { tokenHash: hashInviteToken(token) },
    select: {
      id: true,
      expiresAt: true,
      usedAt: true,
      user: { select: { id: true, name: true, disabled: true } },
    },
  });
  if (!invite || invite.usedAt || invite.expiresAt <= new Date() || invite.user.disabled) throw invalidLink();
  return invite;
};

/** Who a set-password link is for, while it can be used (for the page that asks for the password). */
export const readInvite = async ({ deps, token }: { deps: Pick<ServiceDeps, 'db'>; token: string }) => {
  const invite = await findUsableInvite({ deps, token });
  return { name: invite.user.name, expiresAt: invite.expiresAt };
};

/** Sets the invited user's password with the link's token; the link then stops working. */
export const acceptInvite = async ({
  deps,
  request,
}: {
  deps: ServiceDeps;
  request: TAcceptInviteRequest;
}) => {
  const invite = await findUsableInvite({ deps, token: request.token });
  return runAudited({
    deps,
    actor: invite.user.name,
    action: 'user.acceptInvite',
    targetType: 'user',
    targetId: invite.user.id,
    work: async () => {
      const stored = await hashPassword({ password: request.password });
      await deps.db.$transaction(async (tx) => {
        // Only one use: the first to mark it used sets the password.
        const { count } = await tx.userInvite.updateMany({
          where: { id: invite.id, usedAt: null },
          data: { usedAt: new Date() },
        });
        if (count !== 1) throw invalidLink();
        await tx.user.update({ where: { id: invite.user.id }, data: stored });
      });
      return { name: invite.user.name };
    },
  });
};
