import { type Actor, runAudited } from '../audit/audit-log.js';
import { createSharedRead } from '../db/shared-read.js';
import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import { endOwnSessions, listOwnSessions } from '../users/own-account.js';
import type { TSessionIdRequest } from '../users/user-requests.js';
import type { ContextUser } from './context-user.js';
import { findSessionUser, hashSessionToken, listActiveSessions, revokeSessions } from './sessions.js';
import { signIn } from './sign-in.js';

/** Browsers' sessions: sign-in and sign-out, each request's user, one's own sessions, an admin's view of all. */
export const createSessionServices = (deps: ServiceDeps) => {
  // Requests with the same cookie at once (a page's queries, a script's calls) share one lookup, never
  // one that began before they came: a session ended before a request is refused to it.
  const findUserShared = createSharedRead({
    read: (token: string) => findSessionUser({ db: deps.db, token }),
  });
  return {
    signIn: (request: {
      name: string;
      password: string;
      clientAddress?: string;
      userAgent?: string;
      ttlSeconds: number;
    }) => signIn({ db: deps.db, ...request }),
    /** The user of a session cookie's value, or null (see findSessionUser). */
    findUser: async ({ token }: { token: string }): Promise<ContextUser | null> => {
      const user = await findUserShared(token);
      return user && { ...user };
    },
    /** Sign-out: the cookie's session ends (whoever holds a copy of the cookie is signed out too). */
    signOut: ({ token }: { token: string }) =>
      revokeSessions({ db: deps.db, where: { id: hashSessionToken(token) } }),
    listOwn: ({ user }: { user: ContextUser }) => listOwnSessions({ deps, user }),
    endOwn: ({ user }: { user: ContextUser }) => endOwnSessions({ deps, user }),
    /** Every session still valid, of every user (admins), marking `currentId` (the one asking). */
    list: async ({ currentId }: { currentId?: string } = {}) =>
      (await listActiveSessions({ db: deps.db })).map((session) => ({
        ...session,
        isCurrent: session.id === currentId,
      })),
    /** An admin ends any session. */
    end: ({ actor, request }: { actor: Actor; request: TSessionIdRequest }) =>
      runAudited({
        deps,
        actor,
        action: 'session.end',
        targetType: 'session',
        targetId: request.sessionId.slice(0, 12),
        work: async (note) => {
          const session = await deps.db.session.findUnique({
            where: { id: request.sessionId },
            select: { user: { select: { name: true } } },
          });
          if (!session)
            throw new WebError({ code: 'NOT_FOUND', field: 'sessionId', message: 'no such session' });
          note.details = { user: session.user.name };
          return revokeSessions({ db: deps.db, where: { id: request.sessionId } });
        },
      }),
  };
};
