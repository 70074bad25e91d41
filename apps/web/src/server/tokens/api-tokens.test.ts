import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus.js';
import { createOperationFeed } from '../events/operation-feed.js';
import { createTestDatabase } from '../testing/test-database.js';
import { hashApiToken } from './api-token-rules.js';
import { findApiTokenUser } from './api-token-user.js';
import { createApiToken, listApiTokens, revokeApiToken, type TokenOwner } from './api-tokens.js';

/** The refusal a call ends with (code, field, message), or a failure of the test when it succeeds. */
const readRefusal = async (call: Promise<unknown>) => {
  const error = await call.then(
    () => {
      throw new Error('expected a refusal');
    },
    (caught: unknown) => caught as { code: string; field?: string; message: string },
  );
  return { code: error.code, field: error.field, message: error.message };
};

describe('API tokens', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let deps: Parameters<typeof createApiToken>[0]['deps'];
  let alice: TokenOwner;
  let otto: TokenOwner;
  let vera: TokenOwner;

  beforeEach(async () => {
    database = await createTestDatabase();
    deps = {
      db: database.db,
      events: createEventBus(),
      operations: createOperationFeed(),
      logger: pino({ level: 'silent' }),
    };
    const createUser = async (name: string, role: TokenOwner['role']): Promise<TokenOwner> => {
      const user = await database.db.user.create({ data: { name, role } });
      return { id: user.id, name, role, via: 'session' };
    };
    alice = await createUser('alice', 'admin');
    otto = await createUser('otto', 'operator');
    vera = await createUser('vera', 'viewer');
  });
  afterEach(() => database.remove());

  const lookUp = (secret: string, now?: Date) =>
    findApiTokenUser({ db: database.db, authorization: `Bearer ${secret}`, now });

  it('the secret is shown once: only its hash and first characters are kept, and the change is audited', async () => {
    const created = await createApiToken({
      deps,
      owner: otto,
      request: { name: 'deploy script', expiresInDays: 30, scope: 'write' },
    });
    expect(created.secret).toMatch(/^kudo_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({
      name: 'deploy script',
      scope: 'write',
      state: 'active',
      userName: 'otto',
    });
    const stored = await database.db.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.tokenHash).toBe(hashApiToken(created.secret));
    expect(stored.prefix).toBe(created.secret.slice(0, 12));
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBeGreaterThanOrEqual(
      30 * 86_400_000 - 1000,
    );
    const listed = await listApiTokens({ deps, userId: otto.id });
    expect(listed.map(({ id }) => id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(listed[0]).not.toHaveProperty('tokenHash');
    const audit = await database.db.auditEntry.findMany();
    expect(audit).toMatchObject([
      {
        actor: 'otto',
        action: 'apiToken.create',
        targetType: 'apiToken',
        targetId: created.id,
        result: 'ok',
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(created.secret);
  });

  it('a viewer makes read tokens only, a token none; a name is unique per user; nothing is stored on a refusal', async () => {
    expect(
      await readRefusal(
        createApiToken({ deps, owner: vera, request: { name: 'x', expiresInDays: 1, scope: 'write' } }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN', field: 'scope' });
    await createApiToken({ deps, owner: vera, request: { name: 'x', expiresInDays: 1, scope: 'read' } });
    expect(
      await readRefusal(
        createApiToken({ deps, owner: vera, request: { name: 'x', expiresInDays: 1, scope: 'read' } }),
      ),
    ).toMatchObject({ code: 'CONFLICT', field: 'name', message: expect.stringContaining("'x'") });
    // A token makes no tokens (whatever its scope), and the refusal is audited.
    expect(
      await readRefusal(
        createApiToken({
          deps,
          owner: { ...otto, via: 'token', tokenName: 'ci' },
          request: { name: 'longer', expiresInDays: 365, scope: 'write' },
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('cannot make API tokens') });
    // Another user may use the same name.
    await createApiToken({ deps, owner: otto, request: { name: 'x', expiresInDays: 1, scope: 'read' } });
    expect(await database.db.apiToken.count()).toBe(2);
  });

  it("a token acts as its user with the user's current role and its own scope, until revoked", async () => {
    const { secret, id } = await createApiToken({
      deps,
      owner: otto,
      request: { name: 'ci', expiresInDays: 1, scope: 'read' },
    });
    expect(await lookUp(secret)).toEqual({
      kind: 'user',
      user: {
        id: otto.id,
        name: 'otto',
        role: 'operator',
        via: 'token',
        tokenId: id,
        tokenName: 'ci',
        scope: 'read',
      },
    });
    await database.db.user.update({ where: { id: otto.id }, data: { role: 'viewer' } });
    expect(await lookUp(secret)).toMatchObject({ kind: 'user', user: { role: 'viewer' } });
    await revokeApiToken({ deps, owner: otto, request: { id } });
    expect(await lookUp(secret)).toEqual({ kind: 'refused', reason: "the API token 'ci' was revoked" });
  });

  it("a disabled user's tokens stop working at once; expired and unknown tokens are refused", async () => {
    const { secret } = await createApiToken({
      deps,
      owner: otto,
      request: { name: 'ci', expiresInDays: 1, scope: 'write' },
    });
    expect(await lookUp(secret, new Date(Date.now() + 2 * 86_400_000))).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/^the API token 'ci' expired at /),
    });
    expect(await lookUp(`kudo_${'A'.repeat(43)}`)).toMatchObject({
      kind: 'refused',
      reason: /unknown API token/,
    });
    expect(await lookUp('not-a-token')).toMatchObject({ kind: 'refused', reason: /no Kudo API token/ });
    expect(await findApiTokenUser({ db: database.db, authorization: null })).toEqual({ kind: 'none' });
    await database.db.user.update({ where: { id: otto.id }, data: { disabled: true } });
    expect(await lookUp(secret)).toEqual({ kind: 'refused', reason: 'the user otto is disabled' });
  });

  it('the last use is written at most once a minute', async () => {
    const { secret, id } = await createApiToken({
      deps,
      owner: otto,
      request: { name: 'ci', expiresInDays: 1, scope: 'read' },
    });
    const readLastUse = async () =>
      (await database.db.apiToken.findUniqueOrThrow({ where: { id } })).lastUsedAt?.toISOString();
    expect(await readLastUse()).toBeUndefined();
    const first = new Date(Date.now() + 1000);
    await lookUp(secret, first);
    expect(await readLastUse()).toBe(first.toISOString());
    await lookUp(secret, new Date(first.getTime() + 59_999));
    expect(await readLastUse()).toBe(first.toISOString());
    const later = new Date(first.getTime() + 60_000);
    await lookUp(secret, later);
    expect(await readLastUse()).toBe(later.toISOString());
  });

  it("a user revokes only their own tokens; an admin lists and revokes anyone's", async () => {
    const ottos = await createApiToken({
      deps,
      owner: otto,
      request: { name: 'ci', expiresInDays: 1, scope: 'read' },
    });
    expect(await readRefusal(revokeApiToken({ deps, owner: vera, request: { id: ottos.id } }))).toMatchObject(
      {
        code: 'NOT_FOUND',
        field: 'id',
      },
    );
    expect(await listApiTokens({ deps, userId: vera.id })).toEqual([]);
    expect((await listApiTokens({ deps })).map(({ userName }) => userName)).toEqual(['otto']);
    const revoked = await revokeApiToken({ deps, owner: alice, request: { id: ottos.id } });
    expect(revoked).toMatchObject({ state: 'revoked', userName: 'otto' });
    const audit = await database.db.auditEntry.findMany({ where: { action: 'apiToken.revoke' } });
    expect(audit.map(({ actor, result }) => [actor, result])).toEqual([
      ['vera', 'error'],
      ['alice', 'ok'],
    ]);
  });
});
