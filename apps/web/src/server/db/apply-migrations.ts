import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { WebError } from '../errors/web-error.js';
import { ensureDatabaseDirectory, protectDatabaseFile, toSqliteFile } from './database-file.js';

/**
 * Prisma's own bookkeeping table, as `prisma migrate deploy` creates it on SQLite: a database migrated
 * here and one migrated by the Prisma CLI are the same, and either tool carries on from the other.
 */
const createBookkeeping = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

type MigrationRow = { migration_name: string; finished_at: string | null; rolled_back_at: string | null };

/** A timestamp as Prisma writes it in `_prisma_migrations` (`2026-12-07T19:08:39.421+00:00`). */
const toPrismaTimestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');

/** The migrations of a Prisma migrations directory, oldest first: name, SQL and Prisma's checksum of it. */
export const readMigrationFiles = ({ directory }: { directory: string }) => {
  if (!existsSync(join(directory, 'migration_lock.toml')))
    throw new WebError({
      code: 'INTERNAL',
      message: `${directory} is not a Prisma migrations directory (no migration_lock.toml)`,
    });
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(directory, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(directory, name, 'migration.sql'));
      return { name, sql: sql.toString('utf8'), checksum: createHash('sha256').update(sql).digest('hex') };
    });
};

/**
 * Brings a SQLite database to the migrations of `directory` (a copy of prisma/migrations) without the
 * Prisma CLI, as `prisma migrate deploy` does: each migration not yet applied runs once, in name order,
 * recorded in `_prisma_migrations` (checksum, start, end). It never generates or resets anything, and a
 * migration that failed earlier stops it until an admin resolves it. What the packaged control plane runs.
 */
export const applyMigrations = ({ databaseUrl, directory }: { databaseUrl: string; directory: string }) => {
  const migrations = readMigrationFiles({ directory });
  ensureDatabaseDirectory({ databaseUrl });
  const db = new Sqlite(toSqliteFile(databaseUrl), { timeout: 10_000 });
  try {
    protectDatabaseFile({ databaseUrl });
    db.exec(createBookkeeping);
    const rows = db
      .prepare('SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"')
      .all() as MigrationRow[];
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed)
      throw new WebError({
        code: 'INTERNAL',
        message: `database migration ${failed.migration_name} failed earlier: fix the database and mark it with \`prisma migrate resolve\` (see prisma/README.md) before the control plane starts`,
      });
    const done = new Set(
      rows
        .filter((row) => row.finished_at !== null && row.rolled_back_at === null)
        .map((row) => row.migration_name),
    );
    const applied: string[] = [];
    for (const migration of migrations.filter(({ name }) => !done.has(name))) {
      const id = randomUUID();
      db.prepare(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, 0)',
      ).run(id, migration.checksum, migration.name, toPrismaTimestamp(new Date()));
      try {
        db.exec(migration.sql);
      } catch (error) {
        db.prepare('UPDATE "_prisma_migrations" SET logs = ? WHERE id = ?').run(String(error), id);
        throw new WebError({
          code: 'INTERNAL',
          message: `database migration ${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`,
          cause: error,
        });
      }
      db.prepare('UPDATE "_prisma_migrations" SET finished_at = ?, applied_steps_count = 1 WHERE id = ?').run(
        toPrismaTimestamp(new Date()),
        id,
      );
      applied.push(migration.name);
    }
    return { applied };
  } finally {
    db.close();
    protectDatabaseFile({ databaseUrl });
  }
};
