import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/test-database.js';
import { createUserWithPassword } from '../users/manage-users.js';
import { findSessionUser } from './sessions.js';
import { signIn } from './sign-in.js';
import { accountLimits } from './throttle-rules.js';

/** Sign-in against a real database: sessions it starts, and its throttle under 50 parallel guesses. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const ttlSeconds = 3600;
// The throttle's clock for the guesses: fixed, so how long the test takes changes nothing.
const attackTime = new Date();

beforeAll(async () => {
  database = await createTestDatabase();
  await createUserWithPassword({
    deps: database,
    name: 'alice',
    role: 'operator',
    password: 'alice-password-1',
  });
  await createUserWithPassword({ deps: database, name: 'bob', role: 'viewer', password: 'bob-password-123' });
});
afterAll(async () => {
  await database?.remove();
});

/** A sign-in at the throttle's fixed clock (`now`: a later time instead of waiting). */
const guess = ({
  name,
  password,
  clientAddress,
  now = attackTime,
}: {
  name: string;
  password: string;
  clientAddress: string;
  now?: Date;
}) => signIn({ db: database.db, name, password, clientAddress, userAgent: 'test', ttlSeconds, now });

describe('sign-in', () => {
  it('starts a session whose cookie value finds the user, with the client address and user agent kept', async () => {
    const result = await guess({ name: 'bob', password: 'bob-password-123', clientAddress: '198.51.100.20' });
    if (result.outcome !== 'signed-in') throw new Error(`not signed in: ${result.outcome}`);
    expect(result.user).toEqual({ name: 'bob', role: 'viewer' });
    expect(await findSessionUser({ db: database.db, token: result.token })).toMatchObject({
      name: 'bob',
      role: 'viewer',
      via: 'session',
    });
    const [session] = await database.db.session.findMany({ where: { user: { name: 'bob' } } });
    expect(session).toMatchObject({ clientAddress: '198.51.100.20', userAgent: 'test' });
    // Only the hash of the cookie's value is stored.
    expect(session?.id).not.toBe(result.token);
  });

  it('50 parallel wrong guesses: only the free attempts are checked, the rest are refused with the retry message', {
    timeout: 60_000,
  }, async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        guess({ name: 'alice', password: `wrong-${index}`, clientAddress: '198.51.100.21' }),
      ),
    );
    const checked = results.filter((result) => result.outcome === 'wrong');
    const refused = results.filter((result) => result.outcome === 'throttled');
    expect(checked.length).toBeLessThanOrEqual(accountLimits.freeAttempts);
    expect(refused.length).toBe(50 - checked.length);
    for (const result of refused)
      expect(result).toMatchObject({
        message: expect.stringMatching(/^too many failed sign-ins: try again in \d+ s$/),
      });
  });

  it('the right password is refused while the account is blocked, and accepted once the block passed', async () => {
    const blocked = await guess({
      name: 'alice',
      password: 'alice-password-1',
      clientAddress: '198.51.100.22',
    });
    expect(blocked.outcome).toBe('throttled');
    const row = await database.db.signInThrottle.findUnique({ where: { key: 'account:alice' } });
    const later = new Date((row?.blockedUntil?.getTime() ?? 0) + 1);
    const accepted = await guess({
      name: 'alice',
      password: 'alice-password-1',
      clientAddress: '198.51.100.22',
      now: later,
    });
    expect(accepted.outcome).toBe('signed-in');
    // The account starts over after a right password.
    expect(await database.db.signInThrottle.findUnique({ where: { key: 'account:alice' } })).toBeNull();
  });

  it('answers an unknown name exactly as a known one: the same refusals, the same retry message', async () => {
    const run = (name: string) =>
      Promise.all(
        Array.from({ length: 10 }, () =>
          guess({ name, password: 'nope', clientAddress: `198.51.100.3${name.length}` }),
        ),
      );
    const [known, unknown] = await Promise.all([run('bob'), run('nobody-here')]);
    const shape = (results: typeof known) =>
      results
        .map((result) =>
          result.outcome === 'throttled' ? result.message.replace(/\d+ s$/, 'N s') : result.outcome,
        )
        .sort();
    expect(shape(unknown)).toEqual(shape(known));
  });

  it('many names from one address: the address is blocked too (a looser limit)', async () => {
    const results = [];
    for (let index = 0; index < 12; index += 1)
      results.push(await guess({ name: `spray-${index}`, password: 'nope', clientAddress: '198.51.100.40' }));
    expect(results.slice(0, 10).every((result) => result.outcome === 'wrong')).toBe(true);
    expect(results.slice(10).every((result) => result.outcome === 'throttled')).toBe(true);
  });

  it("many names from this machine's own address (the HTTPS front, a local proxy): only the names count", async () => {
    const results = [];
    for (let index = 0; index < 12; index += 1)
      results.push(await guess({ name: `local-${index}`, password: 'nope', clientAddress: '127.0.0.1' }));
    expect(results.map((result) => result.outcome)).toEqual(Array(12).fill('wrong'));
    expect(await database.db.signInThrottle.count({ where: { key: { startsWith: 'address:127.' } } })).toBe(
      0,
    );
  });

  it('a disabled user cannot sign in, with the same answer as a wrong password', async () => {
    await database.db.user.update({ where: { name: 'bob' }, data: { disabled: true } });
    // A day later: bob's failed guesses above are forgotten.
    const now = new Date(attackTime.getTime() + 86_400_000);
    const result = await guess({
      name: 'bob',
      password: 'bob-password-123',
      clientAddress: '198.51.100.50',
      now,
    });
    expect(result.outcome).toBe('wrong');
    await database.db.user.update({ where: { name: 'bob' }, data: { disabled: false } });
  });
});
