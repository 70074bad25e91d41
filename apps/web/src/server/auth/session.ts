import { readSessionUserFromHeaders } from './auth.js';

/** Who is using the dashboard. `admin` may change the cluster; `viewer` may only look. */
export type SessionUser = { name: string; role: 'admin' | 'viewer' };

/**
 * The signed-in user of an HTTP request, or null: the sealed, httpOnly session cookie set by
 * /api/auth/sign-in, verified and unexpired, from an account whose password has not changed since.
 */
export const readSessionUser = (request: { headers: Headers }): Promise<SessionUser | null> =>
  readSessionUserFromHeaders(request);
