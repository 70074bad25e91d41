import { type ContextUser, ZUserRole } from '../auth/context-user.js';
import type { Database } from '../db/database.js';
import {
  hashApiToken,
  isLastUseDue,
  readApiTokenState,
  readBearerToken,
  ZApiTokenScope,
} from './api-token-rules.js';

/** The user a request acts as when it carries an API token: the token's user, capped by its scope. */
export type ApiTokenUser = ContextUser & { via: 'token'; tokenId: string; tokenName: string };

export type ApiTokenLookup =
  | { kind: 'none' }
  | { kind: 'refused'; reason: string }
  | { kind: 'user'; user: ApiTokenUser };

const refuse = (reason: string): ApiTokenLookup => ({ kind: 'refused', reason });

/**
 * Who an `Authorization: Bearer` header acts as: `none` without one; `refused` (with why) for a token that
 * is malformed, unknown, revoked, expired or whose user is disabled; otherwise its user with the user's role
 * as it is now (a role change or a disabled user applies at the next request). The token's last use is
 * written at most once a minute, not at every request.
 */
export const findApiTokenUser = async ({
  db,
  authorization,
  now = new Date(),
}: {
  db: Database;
  authorization: string | null;
  now?: Date;
}): Promise<ApiTokenLookup> => {
  const bearer = readBearerToken(authorization);
  if (bearer.kind === 'none') return { kind: 'none' };
  if (bearer.kind === 'malformed')
    return refuse('the Authorization header carries no Kudo API token (Bearer kudo_...)');
  const token = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(bearer.token) },
    select: {
      id: true,
      name: true,
      scope: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      user: { select: { id: true, name: true, role: true, disabled: true } },
    },
  });
  if (!token) return refuse('unknown API token: check it was copied whole, or make a new one');
  const state = readApiTokenState({ token, now });
  if (state === 'revoked') return refuse(`the API token '${token.name}' was revoked`);
  if (state === 'expired')
    return refuse(`the API token '${token.name}' expired at ${token.expiresAt.toISOString()}`);
  if (token.user.disabled) return refuse(`the user ${token.user.name} is disabled`);
  if (isLastUseDue({ lastUsedAt: token.lastUsedAt, now }))
    // Conditional, so replicas serving the same script at once write it once.
    await db.apiToken.updateMany({
      where: {
        id: token.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(now.getTime() - 60_000) } }],
      },
      data: { lastUsedAt: now },
    });
  return {
    kind: 'user',
    user: {
      id: token.user.id,
      name: token.user.name,
      role: ZUserRole.parse(token.user.role),
      via: 'token',
      tokenId: token.id,
      tokenName: token.name,
      scope: ZApiTokenScope.parse(token.scope),
    },
  };
};
