import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import { type ContextUser, ZUserRole } from './context-user.js';

/** A session's last-seen time is written at most this often, not at every request. */
export const lastSeenIntervalMs = 60_000;

/** The id a session is kept under: the SHA-256 (hex) of the random value the cookie carries. */
export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** What a client sees of a session (the id is already a hash: it cannot be turned back into a cookie). */
export const sessionSelect = {
  id: true,
  createdAt: true,
  lastSeenAt: true,
  expiresAt: true,
  clientAddress: true,
  userAgent: true,
  user: { select: { id: true, name: true, role: true } },
} as const;

/** Starts a session for a user; the answer's `token` is the cookie's value (only its hash is kept). */
export const startSession = async ({
  db,
  userId,
  clientAddress,
  userAgent,
  ttlSeconds,
  now = new Date(),
}: {
  db: Database;
  userId: string;
  clientAddress?: string;
  userAgent?: string;
  ttlSeconds: number;
  now?: Date;
}) => {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await db.session.create({
    data: {
      id: hashSessionToken(token),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      clientAddress: clientAddress?.slice(0, 100),
      userAgent: userAgent?.slice(0, 300),
    },
  });
  return { token, expiresAt };
};

/**
 * The user of a session cookie's value, or null: unknown, revoked, expired, or its user disabled. Marks the
 * session seen when it was last marked a minute ago or more (one write a minute, not one per request).
 */
export const findSessionUser = async ({
  db,
  token,
  now = new Date(),
}: {
  db: Database;
  token: string;
  now?: Date;
}): Promise<ContextUser | null> => {
  const id = hashSessionToken(token);
  const session = await db.session.findUnique({
    where: { id },
    select: {
      id: true,
      expiresAt: true,
      revokedAt: true,
      lastSeenAt: true,
      user: { select: { id: true, name: true, role: true, disabled: true } },
    },
  });
  if (!session || session.revokedAt || session.expiresAt <= now || session.user.disabled) return null;
  const role = ZUserRole.safeParse(session.user.role);
  if (!role.success) return null;
  const staleBefore = new Date(now.getTime() - lastSeenIntervalMs);
  if (session.lastSeenAt <= staleBefore)
    await db.session.updateMany({
      where: { id, lastSeenAt: { lte: staleBefore } },
      data: { lastSeenAt: now },
    });
  const { user } = session;
  return { id: user.id, name: user.name, role: role.data, via: 'session', sessionId: id };
};

/** Ends sessions (sign-out, "sign out everywhere", an admin's end, a disabled user); answers how many. */
export const revokeSessions = async ({
  db,
  where,
  now = new Date(),
}: {
  db: Pick<Database, 'session'>;
  where: { id?: string; userId?: string; exceptId?: string };
  now?: Date;
}) => {
  const { exceptId, ...match } = where;
  const { count } = await db.session.updateMany({
    where: { ...match, ...(exceptId ? { NOT: { id: exceptId } } : {}), revokedAt: null },
    data: { revokedAt: now },
  });
  return { count };
};

/** Sessions still valid (not revoked, not expired), most recently seen first; of one user or of all. */
export const listActiveSessions = ({
  db,
  userId,
  now = new Date(),
}: {
  db: Database;
  userId?: string;
  now?: Date;
}) =>
  db.session.findMany({
    where: { revokedAt: null, expiresAt: { gt: now }, ...(userId ? { userId } : {}) },
    orderBy: { lastSeenAt: 'desc' },
    select: sessionSelect,
    take: 500,
  });
