import { randomUUID } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { generatePassword, hashPassword } from '../auth/password-hash.js';
import { toSqliteFile } from '../db/database-file.js';
import { ZUserName } from './user-requests.js';

/** A DateTime as Prisma's SQLite adapter stores it (ISO 8601 with an explicit offset). */
const toStoredTime = (date: Date) => date.toISOString().replace('Z', '+00:00');

const insertUser =
  'INSERT INTO "User" (id, name, "passwordHash", "passwordParams", role, disabled, "createdAt", "updatedAt")';
const countUsers = 'SELECT count(*) AS count FROM "User"';

/**
 * One statement on the migrated database, on a connection opened for it and closed after it whatever
 * happened: `sqlite` when the URL is a `file:` (SQLite), else `postgres`.
 */
const runOnDatabase = async <T>({
  databaseUrl,
  isReadOnly = false,
  sqlite,
  postgres,
}: {
  databaseUrl: string;
  isReadOnly?: boolean;
  sqlite: (db: Sqlite.Database) => T;
  postgres: (client: pg.Client) => Promise<T>;
}): Promise<T> => {
  if (databaseUrl.startsWith('file:')) {
    const db = new Sqlite(toSqliteFile(databaseUrl), { readonly: isReadOnly, timeout: 10_000 });
    try {
      return sqlite(db);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await postgres(client);
  } finally {
    await client.end();
  }
};

/** A unique constraint refused the row (SQLite's or PostgreSQL's code). */
const isUniqueViolation = (error: unknown) =>
  ['SQLITE_CONSTRAINT_UNIQUE', '23505'].includes((error as { code?: string }).code ?? '');

/** Writes the row; false when the name is taken. */
const insertUserRow = async ({ databaseUrl, row }: { databaseUrl: string; row: string[] }) => {
  try {
    await runOnDatabase({
      databaseUrl,
      sqlite: (db) => {
        const now = toStoredTime(new Date());
        db.prepare(`${insertUser} VALUES (?, ?, ?, ?, ?, 0, ?, ?)`).run(...row, now, now);
      },
      postgres: async (client) => {
        await client.query(`${insertUser} VALUES ($1, $2, $3, $4, $5, false, now(), now())`, row);
      },
    });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
};

/**
 * `node kudo-control-plane.mjs create-admin NAME` (the packaged launcher, which carries no Prisma client):
 * an admin with a generated password, one SQL statement into the migrated database (SQLite or PostgreSQL).
 * Answers the name and the one-time password, to be printed on the console that ran it.
 */
export const createAdminWithSql = async ({ databaseUrl, name }: { databaseUrl: string; name: string }) => {
  const parsed = ZUserName.safeParse(name);
  if (!parsed.success) throw new Error(`NAME: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const password = generatePassword();
  const { passwordHash, passwordParams } = await hashPassword({ password });
  const row = [randomUUID(), parsed.data, passwordHash, passwordParams, 'admin'];
  const isCreated = await insertUserRow({ databaseUrl, row });
  if (!isCreated) throw new Error(`NAME: user ${parsed.data} exists already`);
  return { name: parsed.data, password };
};

/** How many users the migrated database holds (the packaged launcher's check for a first admin). */
export const countUsersWithSql = ({ databaseUrl }: { databaseUrl: string }) =>
  runOnDatabase({
    databaseUrl,
    isReadOnly: true,
    sqlite: (db) => (db.prepare(countUsers).get() as { count: number }).count,
    postgres: async (client) =>
      Number((await client.query<{ count: string }>(countUsers)).rows[0]?.count ?? 0),
  });
