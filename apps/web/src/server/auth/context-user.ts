import { z } from 'zod';

/** What a user may do: `admin` everything, `operator` instances and port mappings, `viewer` only look. */
export const userRoles = ['admin', 'operator', 'viewer'] as const;
export const ZUserRole = z.enum(userRoles);
export type UserRole = z.infer<typeof ZUserRole>;

/** What an API token may do within its user's role: `read` refuses every change. */
export const tokenScopes = ['read', 'write'] as const;
export type TokenScope = (typeof tokenScopes)[number];

/**
 * Who makes a request: a signed-in browser (`via: 'session'`, with the hashed session id) or a script's
 * API token (`via: 'token'`, with the token's id, name and scope).
 */
export type ContextUser = {
  id: string;
  name: string;
  role: UserRole;
  via: 'session' | 'token';
  sessionId?: string;
  tokenId?: string;
  tokenName?: string;
  scope?: TokenScope;
};

/** What the browser knows of its user (no ids of sessions or tokens). */
export type DashboardUser = Pick<ContextUser, 'name' | 'role'>;

const rankByRole: Record<UserRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` may do what `least` may (admin > operator > viewer). */
export const hasRole = ({ role, least }: { role: UserRole; least: UserRole }) =>
  rankByRole[role] >= rankByRole[least];

/** The audit log's actor for a user: the name, plus the token's name when the change came through one. */
export const formatActor = ({ user }: { user: Pick<ContextUser, 'name' | 'via' | 'tokenName'> }) =>
  user.via === 'token' && user.tokenName ? `${user.name} (token ${user.tokenName})` : user.name;
