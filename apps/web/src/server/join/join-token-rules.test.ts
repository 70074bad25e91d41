import { describe, expect, it } from 'vitest';
import { isWebError } from '../errors/web-error.js';
import {
  checkJoinToken,
  createJoinTokenSecret,
  hashJoinToken,
  type JoinTokenRecord,
  joinTokenPattern,
  readJoinTokenState,
} from './join-token-rules.js';

const now = new Date('2026-12-07T12:00:00Z');
const active: JoinTokenRecord = {
  expiresAt: new Date('2026-12-07T13:00:00Z'),
  usedAt: null,
  usedByNodeId: null,
  revokedAt: null,
};

const refusalOf = (token: JoinTokenRecord | null) => {
  try {
    checkJoinToken({ token, now });
  } catch (error) {
    if (isWebError(error)) return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('join token rules', () => {
  it('a token is the prefix and 32 random bytes, different every time', () => {
    const tokens = [createJoinTokenSecret(), createJoinTokenSecret()];
    for (const token of tokens) expect(token).toMatch(joinTokenPattern);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(Buffer.from(tokens[0]?.slice('kudo_join_'.length) ?? '', 'base64url')).toHaveLength(32);
  });

  it('what is stored is the SHA-256 of the token, never the token', () => {
    const token = createJoinTokenSecret();
    const hash = hashJoinToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashJoinToken(token));
    expect(hash).not.toContain(token.slice('kudo_join_'.length, 20));
    expect(hashJoinToken(createJoinTokenSecret())).not.toBe(hash);
  });

  it('an unused, unrevoked token before its expiry is accepted', () => {
    expect(readJoinTokenState({ token: active, now })).toBe('active');
    expect(checkJoinToken({ token: active, now })).toBe(active);
  });

  it('an unknown token is refused as unknown', () => {
    expect(refusalOf(null)).toMatchObject({ code: 'UNAUTHORIZED', field: 'token' });
    expect(refusalOf(null).message).toMatch(/unknown join token/);
  });

  it('a token is refused from its expiry on', () => {
    const expired = { ...active, expiresAt: now };
    expect(readJoinTokenState({ token: expired, now })).toBe('expired');
    expect(refusalOf(expired).message).toMatch(/expired at 2026-12-07T12:00:00.000Z/);
    expect(readJoinTokenState({ token: { ...active, expiresAt: new Date(now.getTime() + 1) }, now })).toBe(
      'active',
    );
  });

  it('a used token is refused, naming the node that used it (single use), even once expired', () => {
    const used = { ...active, usedAt: now, usedByNodeId: 'node-a', expiresAt: new Date(0) };
    expect(readJoinTokenState({ token: used, now })).toBe('used');
    expect(refusalOf(used)).toMatchObject({ code: 'UNAUTHORIZED', field: 'token' });
    expect(refusalOf(used).message).toMatch(/already used \(by node node-a\)/);
  });

  it('a revoked token is refused as revoked', () => {
    const revoked = { ...active, revokedAt: now };
    expect(readJoinTokenState({ token: revoked, now })).toBe('revoked');
    expect(refusalOf(revoked).message).toMatch(/revoked/);
  });
});
