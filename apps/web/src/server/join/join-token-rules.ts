import { createHash, randomBytes } from 'node:crypto';
import { WebError } from '../errors/web-error.js';

/** Every join token starts with this, so one found in a log or a paste is recognised for what it is. */
export const joinTokenPrefix = 'kudo_join_';

/** A join token: the prefix and 32 random bytes in base64url (43 characters). */
export const joinTokenPattern = /^kudo_join_[A-Za-z0-9_-]{43}$/;

export const defaultJoinTokenMinutes = 60;

/** A new join token, shown once to the admin who made it. */
export const createJoinTokenSecret = () => `${joinTokenPrefix}${randomBytes(32).toString('base64url')}`;

/** What is stored of a token: the lowercase hex SHA-256 (the token has 256 random bits: no salt needed). */
export const hashJoinToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export type JoinTokenRecord = {
  expiresAt: Date;
  usedAt: Date | null;
  usedByNodeId: string | null;
  revokedAt: Date | null;
};

export type JoinTokenState = 'active' | 'used' | 'revoked' | 'expired';

/** A token's state at `now`: used and revoked win over expired (they say more). */
export const readJoinTokenState = ({ token, now }: { token: JoinTokenRecord; now: Date }): JoinTokenState => {
  if (token.usedAt) return 'used';
  if (token.revokedAt) return 'revoked';
  if (token.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
};

const refusalByState = {
  used: (token: JoinTokenRecord) =>
    `the join token was already used${token.usedByNodeId ? ` (by node ${token.usedByNodeId})` : ''}: a token joins one node; make a new one`,
  revoked: () => 'the join token was revoked: make a new one',
  expired: (token: JoinTokenRecord) =>
    `the join token expired at ${token.expiresAt.toISOString()}: make a new one`,
} as const;

/**
 * Refuses (UNAUTHORIZED, field `token`) a token that is unknown, used, revoked or expired, saying which;
 * returns the token otherwise.
 */
export const checkJoinToken = <Token extends JoinTokenRecord>({
  token,
  now,
}: {
  token: Token | null;
  now: Date;
}): Token => {
  if (!token)
    throw new WebError({
      code: 'UNAUTHORIZED',
      field: 'token',
      message: 'unknown join token: check it was copied whole, or make a new one',
    });
  const state = readJoinTokenState({ token, now });
  if (state !== 'active')
    throw new WebError({ code: 'UNAUTHORIZED', field: 'token', message: refusalByState[state](token) });
  return token;
};
