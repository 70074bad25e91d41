/** Who is using the dashboard. `admin` may change the cluster; `viewer` may only look. */
export type SessionUser = { name: string; role: 'admin' | 'viewer' };
