/** Who is using the dashboard. `admin` may change the cluster; `viewer` may only look. */
export type SessionUser = { name: string; role: 'admin' | 'viewer' };

/**
 * The signed-in user of an HTTP request, or null. The seam for the dashboard's sign-in (issue 6): read and
 * verify the session cookie here. Until then every HTTP request is anonymous, so the API refuses all but
 * public procedures; servers and tests use `createCaller` with an explicit user.
 */
export const readSessionUser = async (_request: { headers: Headers }): Promise<SessionUser | null> => null;
