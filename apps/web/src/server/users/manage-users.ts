import { type Actor, runAudited } from '../audit/audit-log.js';
import type { UserRole } from '../auth/context-user.js';
import { hashPassword } from '../auth/password-hash.js';
import { revokeSessions } from '../auth/sessions.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import type { TChangeRoleRequest, TSetDisabledRequest } from './user-requests.js';
import { assertAdminRemains, notFoundUser, toPublicUser, userSelect } from './user-rules.js';

/** Every user, by name. */
export const listUsers = async ({ deps }: { deps: Pick<ServiceDeps, 'db'> }) =>
  (await deps.db.user.findMany({ orderBy: { name: 'asc' }, select: userSelect })).map(toPublicUser);

/** Creates a user with a password (the first admin, `create-admin`, seeded accounts); a taken name is a CONFLICT. */
export const createUserWithPassword = async ({
  deps,
  name,
  role,
  password,
}: {
  deps: Pick<ServiceDeps, 'db'>;
  name: string;
  role: UserRole;
  password: string;
}) => {
  const existing = await deps.db.user.findUnique({ where: { name }, select: { id: true } });
  if (existing)
    throw new WebError({ code: 'CONFLICT', field: 'name', message: `user ${name} exists already` });
  return toPublicUser(
    await deps.db.user.create({
      data: { name, role, ...(await hashPassword({ password })) },
      select: userSelect,
    }),
  );
};

/** Enabled admins other than `userId`: who would be left if it stopped being one. */
const countOtherAdmins = (db: Pick<ServiceDeps['db'], 'user'>, userId: string) =>
  db.user.count({ where: { role: 'admin', disabled: false, id: { not: userId } } });

/** Changes a user's role; the last enabled admin stays admin. */
export const changeUserRole = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TChangeRoleRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: 'user.changeRole',
    targetType: 'user',
    targetId: request.userId,
    details: { role: request.role },
    work: async (note) =>
      deps.db.$transaction(
        async (tx) => {
          const user = await tx.user.findUnique({
            where: { id: request.userId },
            select: { name: true, role: true, disabled: true },
          });
          if (!user) throw notFoundUser(request.userId);
          note.details = { name: user.name, from: user.role, to: request.role };
          if (user.role === 'admin' && request.role !== 'admin' && !user.disabled)
            assertAdminRemains({
              enabledAdminsAfter: await countOtherAdmins(tx, request.userId),
              field: 'role',
            });
          return toPublicUser(
            await tx.user.update({
              where: { id: request.userId },
              data: { role: request.role },
              select: userSelect,
            }),
          );
        },
        { isolationLevel: 'Serializable' },
      ),
  });

/** Disables a user (their sessions end at once) or enables them again; the last enabled admin stays enabled. */
export const setUserDisabled = ({
  deps,
  actor,
  request,
}: {
  deps: ServiceDeps;
  actor: Actor;
  request: TSetDisabledRequest;
}) =>
  runAudited({
    deps,
    actor,
    action: request.disabled ? 'user.disable' : 'user.enable',
    targetType: 'user',
    targetId: request.userId,
    work: async (note) =>
      deps.db.$transaction(
        async (tx) => {
          const user = await tx.user.findUnique({
            where: { id: request.userId },
            select: { name: true, role: true },
          });
          if (!user) throw notFoundUser(request.userId);
          if (request.disabled && user.role === 'admin')
            assertAdminRemains({
              enabledAdminsAfter: await countOtherAdmins(tx, request.userId),
              field: 'disabled',
            });
          const updated = await tx.user.update({
            where: { id: request.userId },
            data: { disabled: request.disabled },
            select: userSelect,
          });
          const ended = request.disabled
            ? await revokeSessions({ db: tx, where: { userId: request.userId } })
            : { count: 0 };
          note.details = { name: user.name, sessionsEnded: ended.count };
          return toPublicUser(updated);
        },
        { isolationLevel: 'Serializable' },
      ),
  });
