import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import {
  apiTokenPattern,
  computeApiTokenExpiry,
  createApiTokenSecret,
  findScopeRefusalForRole,
  hashApiToken,
  isLastUseDue,
  readApiTokenPrefix,
  readApiTokenState,
  readBearerToken,
} from './api-token-rules.js';

const now = new Date('2026-12-07T12:00:00Z');

describe('API token rules', () => {
  it('a token is kudo_ and 32 random bytes in base64url, different every time', () => {
    const tokens = [createApiTokenSecret(), createApiTokenSecret()];
    for (const token of tokens) expect(token).toMatch(apiTokenPattern);
    expect(tokens[0]).not.toBe(tokens[1]);
    expect(Buffer.from(tokens[0]?.slice('kudo_'.length) ?? '', 'base64url')).toHaveLength(32);
  });

  it('what is stored is the SHA-256 of the token; the list shows only its first 12 characters', () => {
    const token = createApiTokenSecret();
    const hash = hashApiToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashApiToken(token));
    expect(hashApiToken(createApiTokenSecret())).not.toBe(hash);
    expect(readApiTokenPrefix(token)).toBe(token.slice(0, 12));
    expect(readApiTokenPrefix(token)).toMatch(/^kudo_[A-Za-z0-9_-]{7}$/);
  });

  it('a token expires the given number of days after it was made', () => {
    expect(computeApiTokenExpiry({ now, days: 1 }).toISOString()).toBe('2026-12-08T12:00:00.000Z');
    expect(computeApiTokenExpiry({ now, days: 365 }).toISOString()).toBe('2027-12-07T12:00:00.000Z');
  });

  it('reads the token of an Authorization header, telling a malformed one from none', () => {
    const token = createApiTokenSecret();
    expect(readBearerToken(`Bearer ${token}`)).toEqual({ kind: 'token', token });
    expect(readBearerToken(`bearer   ${token} `)).toEqual({ kind: 'token', token });
    expect(readBearerToken(null)).toEqual({ kind: 'none' });
    expect(readBearerToken('Basic YWRtaW46eA==')).toEqual({ kind: 'none' });
    expect(readBearerToken('Bearer')).toEqual({ kind: 'none' });
    expect(readBearerToken('Bearer kudo_short')).toEqual({ kind: 'malformed' });
    expect(readBearerToken(`Bearer ${token}x`)).toEqual({ kind: 'malformed' });
    expect(readBearerToken(`Bearer ${token.replace('kudo_', 'kudo_join_')}`)).toEqual({ kind: 'malformed' });
  });

  it('a token is active until it expires or is revoked; revoked says more than expired', () => {
    const token = { expiresAt: new Date('2026-12-07T12:00:01Z'), revokedAt: null };
    expect(readApiTokenState({ token, now })).toBe('active');
    expect(readApiTokenState({ token: { ...token, expiresAt: now }, now })).toBe('expired');
    expect(readApiTokenState({ token: { ...token, revokedAt: now }, now })).toBe('revoked');
    expect(readApiTokenState({ token: { expiresAt: now, revokedAt: now }, now })).toBe('revoked');
  });

  it('the last use is written at most once a minute', () => {
    expect(isLastUseDue({ lastUsedAt: null, now })).toBe(true);
    expect(isLastUseDue({ lastUsedAt: new Date('2026-12-07T11:59:00.001Z'), now })).toBe(false);
    expect(isLastUseDue({ lastUsedAt: new Date('2026-12-07T11:59:00Z'), now })).toBe(true);
  });

  it('a viewer makes only read tokens; operators and admins make both', () => {
    expect(findScopeRefusalForRole({ role: 'viewer', scope: 'write' })).toMatch(/viewer can only make read/);
    expect(findScopeRefusalForRole({ role: 'viewer', scope: 'read' })).toBeUndefined();
    for (const role of ['operator', 'admin'] as const)
      for (const scope of ['read', 'write'] as const)
        expect(findScopeRefusalForRole({ role, scope })).toBeUndefined();
  });

  it("the web logger never writes an API token: not in a request's headers, not quoted in a message", () => {
    const token = createApiTokenSecret();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line) => lines.push(line) } });
    logger.info({ req: { headers: { authorization: `Bearer ${token}` } } }, 'request');
    logger.info({ authorization: `Bearer ${token}` }, 'request');
    logger.warn(`refused: Authorization: Bearer ${token}`);
    const output = lines.join('');
    expect(output).not.toContain(token.slice('kudo_'.length));
    expect(output).toContain('Bearer ***');
    expect(output.match(/\[redacted\]/g)).toHaveLength(2);
  });
});
