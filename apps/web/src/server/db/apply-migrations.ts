import { randomUUID } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { WebError } from '../errors/web-error.js';
import { ensureDatabaseDirectory, protectDatabaseFile, toSqliteFile } from './database-file.js';
import {
  type MigrationRecord,
  planMigrations,
  readMigrationFiles,
  toMigrationError,
} from './migration-files.js';

export { readMigrationFiles } from './migration-files.js';

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

type MigrationRow = {
  migration_name: string;
  checksum: string;
  finished_at: string | null;
  rolled_back_at: string | null;
};

/** A timestamp as Prisma writes it in `_prisma_migrations` (`2026-12-07T19:08:39.421+00:00`). */
const toPrismaTimestamp = (date: Date) => date.toISOString().replace('Z', '+00:00');

const readRecords = (db: Sqlite.Database): MigrationRecord[] =>
  (
    db
      .prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"')
      .all() as MigrationRow[]
  ).map((row) => ({
    name: row.migration_name,
    checksum: row.checksum,
    isFinished: row.finished_at !== null,
    isRolledBack: row.rolled_back_at !== null,
  }));

/**
 * Brings a SQLite database to the migrations of `directory` (prisma/migrations or a copy of it) without
 * the Prisma CLI: each migration not yet applied runs once, in name order, in a transaction of its own
 * (BEGIN IMMEDIATE: a second process migrating the same file waits, then finds it done), recorded in
 * Prisma's `_prisma_migrations` (checksum, start, end). An applied migration whose file changed, or one
 * that failed earlier, stops it (see planMigrations). Foreign keys are off while a migration runs (SQLite
 * ignores that pragma inside a transaction, and a table rewrite must not cascade deletes) and checked
 * before it commits.
 */
export const applyMigrations = ({ databaseUrl, directory }: { databaseUrl: string; directory: string }) => {
  if (!databaseUrl.startsWith('file:'))
    throw new WebError({
      code: 'INTERNAL',
      field: 'databaseUrl',
      message:
        'applyMigrations takes a SQLite (file:) URL: migrate PostgreSQL with runMigrations (run-migrations.ts)',
    });
  const files = readMigrationFiles({ directory, provider: 'sqlite' });
  ensureDatabaseDirectory({ databaseUrl });
  const db = new Sqlite(toSqliteFile(databaseUrl), { timeout: 10_000 });
  try {
    protectDatabaseFile({ databaseUrl });
    db.exec(createBookkeeping);
    db.pragma('foreign_keys = OFF');
    const applied: string[] = [];
    for (const file of planMigrations({ files, records: readRecords(db) })) {
      db.exec('BEGIN IMMEDIATE');
      try {
        // Another process may have applied it while this one waited for the write lock.
        const isPending = planMigrations({ files: [file], records: readRecords(db) }).length > 0;
        if (isPending) {
          const id = randomUUID();
          const startedAt = toPrismaTimestamp(new Date());
          db.exec(file.sql);
          const violations = db.pragma('foreign_key_check') as unknown[];
          if (violations.length > 0)
            throw new Error(
              `${violations.length} rows break a foreign key: ${JSON.stringify(violations[0])}`,
            );
          db.prepare(
            'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)',
          ).run(id, file.checksum, file.name, startedAt, toPrismaTimestamp(new Date()));
          applied.push(file.name);
        }
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        if (error instanceof WebError) throw error;
        // Recorded as failed (as Prisma does): the next start stops until an admin has looked at it.
        db.prepare(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 0)',
        ).run(randomUUID(), file.checksum, file.name, String(error), toPrismaTimestamp(new Date()));
        throw toMigrationError({ name: file.name, error });
      }
    }
    return { applied };
  } finally {
    db.close();
    protectDatabaseFile({ databaseUrl });
  }
};
