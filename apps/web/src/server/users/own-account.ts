import { runAudited } from '../audit/audit-log.js';
import { type ContextUser, formatActor } from '../auth/context-user.js';
import { hashPassword, isPasswordCorrect } from '../auth/password-hash.js';
import { listActiveSessions, revokeSessions } from '../auth/sessions.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import type { TChangeOwnPasswordRequest } from './user-requests.js';

type Own = { deps: ServiceDeps; user: ContextUser };

/** Changes one's own password, given the current one; one's other sessions end (this one stays). */
export const changeOwnPassword = ({ deps, user, request }: Own & { request: TChangeOwnPasswordRequest }) =>
  runAudited({
    deps,
    actor: formatActor({ user }),
    action: 'user.changePassword',
    targetType: 'user',
    targetId: user.id,
    work: async (note) => {
      const row = await deps.db.user.findUnique({
        where: { id: user.id },
        select: { passwordHash: true, passwordParams: true },
      });
      const { passwordHash, passwordParams } = row ?? {};
      const isCorrect =
        passwordHash && passwordParams
          ? await isPasswordCorrect({
              password: request.currentPassword,
              stored: { passwordHash, passwordParams },
            })
          : false;
      if (!isCorrect)
        throw new WebError({
          code: 'INVALID_INPUT',
          field: 'currentPassword',
          message: 'is not your current password',
        });
      const stored = await hashPassword({ password: request.newPassword });
      const ended = await deps.db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: stored });
        return revokeSessions({ db: tx, where: { userId: user.id, exceptId: user.sessionId } });
      });
      note.details = { sessionsEnded: ended.count };
      return { sessionsEnded: ended.count };
    },
  });

/** One's own sessions still valid, marking the one making the request. */
export const listOwnSessions = async ({ deps, user }: Own) =>
  (await listActiveSessions({ db: deps.db, userId: user.id })).map((session) => ({
    ...session,
    isCurrent: session.id === user.sessionId,
  }));

/** "Sign out everywhere": every session of one's own ends, this one included. */
export const endOwnSessions = ({ deps, user }: Own) =>
  runAudited({
    deps,
    actor: formatActor({ user }),
    action: 'session.endAllOwn',
    targetType: 'user',
    targetId: user.id,
    work: async (note) => {
      const ended = await revokeSessions({ db: deps.db, where: { userId: user.id } });
      note.details = { sessionsEnded: ended.count };
      return ended;
    },
  });
