import type { Database } from '../db/database.js';
import { type DashboardUser, ZUserRole } from './context-user.js';
import { checkDummyPassword, isPasswordCorrect } from './password-hash.js';
import { startSession } from './sessions.js';
import { claimSignInAttempt, clearSignInAttempt } from './sign-in-throttle.js';
import { describeRetry } from './throttle-rules.js';

export type SignInOutcome =
  | { outcome: 'signed-in'; token: string; expiresAt: Date; user: DashboardUser }
  | { outcome: 'wrong' }
  | { outcome: 'throttled'; retryAfterSeconds: number; message: string };

/**
 * Signs a user in with a name and password: the attempt is counted first (per client address and account
 * name; refused while blocked), the password checked (unknown names and disabled users against a dummy
 * hash, so the answer and its time are the same), then a session started. `token` is the cookie's value.
 */
export const signIn = async ({
  db,
  name,
  password,
  clientAddress,
  userAgent,
  ttlSeconds,
  now = new Date(),
}: {
  db: Database;
  name: string;
  password: string;
  clientAddress?: string;
  userAgent?: string;
  ttlSeconds: number;
  /** The time the throttle counts by (tests pass a later one instead of waiting). */
  now?: Date;
}): Promise<SignInOutcome> => {
  const blockMs = await claimSignInAttempt({ db, name, clientAddress, now });
  if (blockMs > 0)
    return {
      outcome: 'throttled',
      retryAfterSeconds: Math.max(1, Math.ceil(blockMs / 1000)),
      message: describeRetry({ blockMs }),
    };
  const user = await db.user.findUnique({
    where: { name },
    select: { id: true, name: true, role: true, disabled: true, passwordHash: true, passwordParams: true },
  });
  const { passwordHash, passwordParams } = user ?? {};
  const isCorrect =
    user && !user.disabled && passwordHash && passwordParams
      ? await isPasswordCorrect({ password, stored: { passwordHash, passwordParams } })
      : await checkDummyPassword({ password });
  const role = ZUserRole.safeParse(user?.role);
  if (!user || !isCorrect || !role.success) return { outcome: 'wrong' };
  await clearSignInAttempt({ db, name, clientAddress });
  const { token, expiresAt } = await startSession({
    db,
    userId: user.id,
    clientAddress,
    userAgent,
    ttlSeconds,
  });
  return { outcome: 'signed-in', token, expiresAt, user: { name: user.name, role: role.data } };
};
