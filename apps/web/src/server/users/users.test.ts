import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextUser } from '../auth/context-user.js';
import { findSessionUser } from '../auth/sessions.js';
import { catchTrpc } from '../testing/catch-trpc.js';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { createCaller } from '../trpc/root.js';
import { createInnerContext } from '../trpc/trpc.js';
import { createAdminWithSql } from './create-admin-sql.js';
import { createUserWithPassword } from './manage-users.js';
import { createFirstAdmin, migrateLegacyAccounts, seedEnvAccounts } from './seed-users.js';

/** Users through the router and services, on a real database: invites, roles, disabling, passwords. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let plane: ReturnType<typeof createTestControlPlane>;
let root: ContextUser;

const callerFor = (user: ContextUser) => createCaller(createInnerContext({ services: plane.services, user }));

/** Signs in through the service, answering the session's context user and cookie value. */
const signInAs = async (name: string, password: string) => {
  const result = await plane.services.sessions.signIn({ name, password, ttlSeconds: 3600 });
  if (result.outcome !== 'signed-in') throw new Error(`${name} not signed in: ${result.outcome}`);
  const user = await findSessionUser({ db: database.db, token: result.token });
  if (!user) throw new Error('no session user');
  return { user, token: result.token };
};

beforeAll(async () => {
  database = await createTestDatabase();
  plane = createTestControlPlane({ db: database.db, gateway: createFakeAgentGateway().gateway });
  await createUserWithPassword({ deps: database, name: 'root', role: 'admin', password: 'root-password-1' });
  root = (await signInAs('root', 'root-password-1')).user;
});
afterAll(async () => {
  await database?.remove();
});

describe('users', () => {
  it('an invite makes a user without a password and a one-time link; the link sets it, then works no more', async () => {
    const invited = await callerFor(root).user.invite({ name: 'carol', role: 'operator' });
    expect(invited.user).toMatchObject({ name: 'carol', role: 'operator', hasPassword: false });
    expect(invited.path).toBe(`/set-password#${invited.token}`);
    const stored = await database.db.userInvite.findFirst({ where: { userId: invited.user.id } });
    expect(stored?.tokenHash).not.toBe(invited.token);
    expect(await plane.services.users.readInvite({ token: invited.token })).toMatchObject({ name: 'carol' });
    await plane.services.users.acceptInvite({
      request: { token: invited.token, password: 'carol-password-1' },
    });
    const carol = await signInAs('carol', 'carol-password-1');
    expect(carol.user).toMatchObject({ name: 'carol', role: 'operator' });
    await expect(
      plane.services.users.acceptInvite({ request: { token: invited.token, password: 'another-password' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'token' });
    const audit = await database.db.auditEntry.findMany({ where: { action: { startsWith: 'user.' } } });
    expect(audit.map(({ actor, action }) => `${actor} ${action}`)).toEqual(
      expect.arrayContaining(['root user.invite', 'carol user.acceptInvite']),
    );
  });

  it('an expired link is refused; a taken name cannot be invited again', async () => {
    const invited = await callerFor(root).user.invite({ name: 'dave', role: 'viewer', expiresInHours: 1 });
    await database.db.userInvite.updateMany({
      where: { userId: invited.user.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await expect(plane.services.users.readInvite({ token: invited.token })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const taken = await catchTrpc(callerFor(root).user.invite({ name: 'dave', role: 'viewer' }));
    expect(taken.code).toBe('CONFLICT');
  });

  it('refuses a bad name, naming the field', async () => {
    const refused = await catchTrpc(callerFor(root).user.invite({ name: 'Not Valid!', role: 'viewer' }));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('name');
  });

  it('the last enabled admin can be neither demoted nor disabled; with a second admin both work', async () => {
    const demote = await catchTrpc(callerFor(root).user.changeRole({ userId: root.id, role: 'viewer' }));
    expect(demote).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('last enabled admin'),
    });
    const disable = await catchTrpc(callerFor(root).user.setDisabled({ userId: root.id, disabled: true }));
    expect(disable.code).toBe('CONFLICT');
    expect(await database.db.user.findUnique({ where: { id: root.id } })).toMatchObject({
      role: 'admin',
      disabled: false,
    });
    const erin = await createUserWithPassword({
      deps: database,
      name: 'erin',
      role: 'admin',
      password: 'erin-password-1',
    });
    await callerFor(root).user.changeRole({ userId: erin.id, role: 'operator' });
    const again = await catchTrpc(callerFor(root).user.changeRole({ userId: root.id, role: 'operator' }));
    expect(again.code).toBe('CONFLICT');
  });

  it('disabling a user ends their sessions at once; enabling does not bring them back', async () => {
    const frank = await createUserWithPassword({
      deps: database,
      name: 'frank',
      role: 'viewer',
      password: 'frank-password-1',
    });
    const first = await signInAs('frank', 'frank-password-1');
    const second = await signInAs('frank', 'frank-password-1');
    await callerFor(root).user.setDisabled({ userId: frank.id, disabled: true });
    expect(await findSessionUser({ db: database.db, token: first.token })).toBeNull();
    expect(await findSessionUser({ db: database.db, token: second.token })).toBeNull();
    await callerFor(root).user.setDisabled({ userId: frank.id, disabled: false });
    expect(await findSessionUser({ db: database.db, token: first.token })).toBeNull();
  });

  it('a user changes their own password with the current one; their other sessions end', async () => {
    await createUserWithPassword({
      deps: database,
      name: 'gina',
      role: 'viewer',
      password: 'gina-password-1',
    });
    const here = await signInAs('gina', 'gina-password-1');
    const elsewhere = await signInAs('gina', 'gina-password-1');
    const wrong = await catchTrpc(
      callerFor(here.user).user.changeOwnPassword({
        currentPassword: 'nope',
        newPassword: 'gina-password-2',
      }),
    );
    expect(wrong.code).toBe('BAD_REQUEST');
    expect(wrong.message).toContain('current password');
    await callerFor(here.user).user.changeOwnPassword({
      currentPassword: 'gina-password-1',
      newPassword: 'gina-password-2',
    });
    expect(await findSessionUser({ db: database.db, token: here.token })).not.toBeNull();
    expect(await findSessionUser({ db: database.db, token: elsewhere.token })).toBeNull();
    await signInAs('gina', 'gina-password-2');
  });

  it('only admins manage users: an operator and a viewer are refused', async () => {
    await createUserWithPassword({
      deps: database,
      name: 'hank',
      role: 'operator',
      password: 'hank-password-1',
    });
    const hank = (await signInAs('hank', 'hank-password-1')).user;
    for (const call of [
      callerFor(hank).user.list(),
      callerFor(hank).user.invite({ name: 'mallory', role: 'admin' }),
      callerFor(hank).user.changeRole({ userId: hank.id, role: 'admin' }),
      callerFor({ ...hank, role: 'viewer' }).session.list(),
    ])
      expect((await catchTrpc(call)).code).toBe('FORBIDDEN');
  });
});

describe('sessions', () => {
  it('sign-out ends the session; "sign out everywhere" ends all of one user', async () => {
    await createUserWithPassword({
      deps: database,
      name: 'ivy',
      role: 'viewer',
      password: 'ivy-password-12',
    });
    const one = await signInAs('ivy', 'ivy-password-12');
    const two = await signInAs('ivy', 'ivy-password-12');
    const three = await signInAs('ivy', 'ivy-password-12');
    await plane.services.sessions.signOut({ token: one.token });
    expect(await findSessionUser({ db: database.db, token: one.token })).toBeNull();
    const own = await callerFor(two.user).session.listOwn();
    expect(own.map((session) => session.isCurrent).sort()).toEqual([false, true]);
    await callerFor(two.user).session.endOwn();
    expect(await findSessionUser({ db: database.db, token: two.token })).toBeNull();
    expect(await findSessionUser({ db: database.db, token: three.token })).toBeNull();
  });

  it("an admin sees every user's sessions and ends one", async () => {
    await createUserWithPassword({
      deps: database,
      name: 'jack',
      role: 'operator',
      password: 'jack-password-1',
    });
    const jack = await signInAs('jack', 'jack-password-1');
    const all = await callerFor(root).session.list();
    const jacks = all.find((session) => session.user.name === 'jack');
    expect(jacks?.id).toBe(jack.user.sessionId);
    await callerFor(root).session.end({ sessionId: jack.user.sessionId ?? '' });
    expect(await findSessionUser({ db: database.db, token: jack.token })).toBeNull();
  });

  it('an expired session opens nothing; last seen is written at most once a minute', async () => {
    await createUserWithPassword({
      deps: database,
      name: 'kim',
      role: 'viewer',
      password: 'kim-password-12',
    });
    const kim = await signInAs('kim', 'kim-password-12');
    const id = kim.user.sessionId ?? '';
    const seen = async () => (await database.db.session.findUnique({ where: { id } }))?.lastSeenAt.getTime();
    const start = (await seen()) ?? 0;
    await findSessionUser({ db: database.db, token: kim.token, now: new Date(start + 30_000) });
    expect(await seen()).toBe(start);
    await findSessionUser({ db: database.db, token: kim.token, now: new Date(start + 61_000) });
    expect(await seen()).toBe(start + 61_000);
    await database.db.session.update({ where: { id }, data: { expiresAt: new Date(Date.now() - 1) } });
    expect(await findSessionUser({ db: database.db, token: kim.token })).toBeNull();
  });
});

describe('seeding and migration', () => {
  it('env passwords create admin and viewer, and are re-hashed only when they change', async () => {
    const seeded = await createTestDatabase();
    try {
      const seed = (adminPassword: string) =>
        seedEnvAccounts({ db: seeded.db, adminPassword, viewerPassword: 'viewer-password' });
      expect(await seed('admin-password')).toEqual(['admin', 'viewer']);
      const hashOf = async () =>
        (await seeded.db.user.findUnique({ where: { name: 'admin' } }))?.passwordHash;
      const first = await hashOf();
      expect(await seed('admin-password')).toEqual([]);
      expect(await hashOf()).toBe(first);
      expect(await seed('admin-password-2')).toEqual(['admin']);
      expect(await hashOf()).not.toBe(first);
      expect(await createFirstAdmin({ db: seeded.db })).toBeUndefined();
    } finally {
      await seeded.remove();
    }
  });

  it('the first admin is made only when there is no user, with a one-time password', async () => {
    const empty = await createTestDatabase();
    try {
      const made = await createFirstAdmin({ db: empty.db });
      expect(made).toEqual({ name: 'admin', password: expect.stringMatching(/^\w{20}$/) });
      expect(await createFirstAdmin({ db: empty.db })).toBeUndefined();
      const stored = await empty.db.user.findUnique({ where: { name: 'admin' } });
      expect(stored?.role).toBe('admin');
      expect(stored?.passwordHash).not.toContain(made?.password ?? '');
    } finally {
      await empty.remove();
    }
  });

  it("an earlier version's auth.json becomes users once, with the same passwords", async () => {
    const legacy = await createTestDatabase();
    let directory: string | undefined;
    try {
      directory = await mkdtemp(join(tmpdir(), 'kudo-legacy-auth-'));
      const { scryptSync, randomBytes } = await import('node:crypto');
      const account = (password: string) => {
        const salt = randomBytes(16);
        return { salt: salt.toString('hex'), hash: scryptSync(password, salt, 32).toString('hex') };
      };
      const file = join(directory, 'auth.json');
      await writeFile(
        file,
        JSON.stringify({
          version: 1,
          sessionSecret: 'x'.repeat(64),
          accounts: { admin: account('old-admin-pass'), viewer: account('old-viewer-pass') },
        }),
      );
      expect(await migrateLegacyAccounts({ db: legacy.db, file })).toEqual(['admin', 'viewer']);
      expect(await migrateLegacyAccounts({ db: legacy.db, file })).toEqual([]);
      await expect(readFile(`${file}.migrated`, 'utf8')).resolves.toContain('sessionSecret');
      const legacyPlane = createTestControlPlane({
        db: legacy.db,
        gateway: createFakeAgentGateway().gateway,
      });
      const result = await legacyPlane.services.sessions.signIn({
        name: 'viewer',
        password: 'old-viewer-pass',
        ttlSeconds: 60,
      });
      expect(result).toMatchObject({ outcome: 'signed-in', user: { name: 'viewer', role: 'viewer' } });
    } finally {
      try {
        await legacy.remove();
      } finally {
        if (directory) await rm(directory, { recursive: true, force: true });
      }
    }
  });

  it('create-admin of the packaged launcher (plain SQL) makes an admin who signs in; a taken name is refused', async () => {
    const made = await createAdminWithSql({ databaseUrl: database.databaseUrl, name: 'ops.admin' });
    const result = await plane.services.sessions.signIn({
      name: 'ops.admin',
      password: made.password,
      ttlSeconds: 60,
    });
    expect(result).toMatchObject({ outcome: 'signed-in', user: { name: 'ops.admin', role: 'admin' } });
    const [listed] = (await callerFor(root).user.list()).filter((user) => user.name === 'ops.admin');
    expect(listed?.createdAt).toBeInstanceOf(Date);
    await expect(
      createAdminWithSql({ databaseUrl: database.databaseUrl, name: 'ops.admin' }),
    ).rejects.toThrow('exists already');
    await expect(createAdminWithSql({ databaseUrl: database.databaseUrl, name: 'Bad Name' })).rejects.toThrow(
      'NAME:',
    );
  });
});
