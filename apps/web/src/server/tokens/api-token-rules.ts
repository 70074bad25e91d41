import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type TokenScope, tokenScopes, type UserRole } from '../auth/context-user.js';

/** Every API token starts with this, so one found in a log or a paste is recognised for what it is. */
export const apiTokenPrefix = 'kudo_';

/** An API token: the prefix and 32 random bytes in base64url (43 characters). */
export const apiTokenPattern = /^kudo_[A-Za-z0-9_-]{43}$/;

/** How many characters of a token are kept in clear, to tell tokens apart in lists ("kudo_Ab3dE9f"). */
const shownLength = apiTokenPrefix.length + 7;

/** What a token may do: `read` (every query) or `write` (queries and changes), within its user's role. */
export const ZApiTokenScope = z.enum(tokenScopes);

export const maxApiTokenDays = 365;
export const defaultApiTokenDays = 90;

/** A new token, shown once to the user who made it. */
export const createApiTokenSecret = () => `${apiTokenPrefix}${randomBytes(32).toString('base64url')}`;

/** What is stored of a token: the lowercase hex SHA-256 (the token has 256 random bits: no salt needed). */
export const hashApiToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The first characters of a token, kept in clear and shown in lists. */
export const readApiTokenPrefix = (token: string) => token.slice(0, shownLength);

/** When a token made at `now` for `days` days expires. */
export const computeApiTokenExpiry = ({ now, days }: { now: Date; days: number }) =>
  new Date(now.getTime() + days * 86_400_000);

/**
 * The token of an `Authorization` header: `none` without one (or with another scheme, e.g. Basic), `malformed`
 * for a Bearer credential that cannot be one of ours, otherwise the token.
 */
export const readBearerToken = (
  header: string | null,
): { kind: 'none' } | { kind: 'malformed' } | { kind: 'token'; token: string } => {
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return { kind: 'none' };
  return apiTokenPattern.test(match[1]) ? { kind: 'token', token: match[1] } : { kind: 'malformed' };
};

export type ApiTokenRecord = { expiresAt: Date; revokedAt: Date | null };
export type ApiTokenState = 'active' | 'revoked' | 'expired';

/** A token's state at `now`: revoked wins over expired (it says more). */
export const readApiTokenState = ({ token, now }: { token: ApiTokenRecord; now: Date }): ApiTokenState => {
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
};

/** Whether a use at `now` should be written as the token's last use: at most one write a minute. */
export const isLastUseDue = ({ lastUsedAt, now }: { lastUsedAt: Date | null; now: Date }) =>
  lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= 60_000;

/**
 * Why a user of `role` may not make a token of `scope`, or undefined: a viewer changes nothing, so a
 * write token of theirs would promise what it cannot do.
 */
export const findScopeRefusalForRole = ({ role, scope }: { role: UserRole; scope: TokenScope }) =>
  role === 'viewer' && scope === 'write' ? 'a viewer can only make read tokens' : undefined;
