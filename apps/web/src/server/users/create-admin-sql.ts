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

/** Writes the row into SQLite; false when the name is taken. */
const insertIntoSqlite = ({ databaseUrl, row }: { databaseUrl: string; row: string[] }) => {
  const db = new Sqlite(toSqliteFile(databaseUrl), { timeout: 10_000 });
  try {
    const now = toStoredTime(new Date());
    db.prepare(`${insertUser} VALUES (?, ?, ?, ?, ?, 0, ?, ?)`).run(...row, now, now);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') return false;
    throw error;
  } finally {
    db.close();
  }
};

/** Writes the row into PostgreSQL; false when the name is taken. */
const insertIntoPostgres = async ({ databaseUrl, row }: { databaseUrl: string; row: string[] }) => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`${insertUser} VALUES ($1, $2, $3, $4, $5, false, now(), now())`, row);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return false;
    throw error;
  } finally {
    await client.end();
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
  const isCreated = databaseUrl.startsWith('file:')
    ? insertIntoSqlite({ databaseUrl, row })
    : await insertIntoPostgres({ databaseUrl, row });
  if (!isCreated) throw new Error(`NAME: user ${parsed.data} exists already`);
  return { name: parsed.data, password };
};

/** How many users the migrated database holds (the packaged launcher's check for a first admin). */
export const countUsersWithSql = async ({ databaseUrl }: { databaseUrl: string }) => {
  if (databaseUrl.startsWith('file:')) {
    const db = new Sqlite(toSqliteFile(databaseUrl), { readonly: true, timeout: 10_000 });
    try {
      return (db.prepare('SELECT count(*) AS count FROM "User"').get() as { count: number }).count;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM "User"');
    return Number(rows[0]?.count ?? 0);
  } finally {
    await client.end();
  }
};
