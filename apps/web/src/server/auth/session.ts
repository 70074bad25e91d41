import { readSessionUserFromHeaders } from './auth.js';
import type { SessionUser } from './session-user.js';

export type { SessionUser };

/**
 * The signed-in user of an HTTP request, or null: the sealed, httpOnly session cookie set by
 * /api/auth/sign-in, verified and unexpired, from an account whose password has not changed since.
 */
export const readSessionUser = (request: { headers: Headers }): Promise<SessionUser | null> =>
  readSessionUserFromHeaders(request);
