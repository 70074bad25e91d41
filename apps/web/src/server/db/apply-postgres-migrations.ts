import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  type MigrationRecord,
  planMigrations,
  readMigrationFiles,
  toMigrationError,
} from './migration-files.js';

/** Prisma's bookkeeping table as `prisma migrate deploy` creates it on PostgreSQL. */
const createBookkeeping = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** The advisory lock every control plane takes to migrate (one at a time; the others then find nothing to do). */
export const migrationLockKey = 0x6b75646f; // 'kudo'

const readRecords = async (client: pg.Client): Promise<MigrationRecord[]> => {
  const { rows } = await client.query<{
    migration_name: string;
    checksum: string;
    finished_at: Date | null;
    rolled_back_at: Date | null;
  }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
  return rows.map((row) => ({
    name: row.migration_name,
    checksum: row.checksum,
    isFinished: row.finished_at !== null,
    isRolledBack: row.rolled_back_at !== null,
  }));
};

/**
 * Brings a PostgreSQL database to the migrations of `directory` (prisma/postgresql/migrations), over the
 * pg driver (`prisma migrate deploy` cannot: prisma/orm#27403). Under a session advisory lock, so replicas
 * starting together migrate once; each migration in a transaction of its own (PostgreSQL's DDL is
 * transactional: a failed one leaves nothing behind), recorded in `_prisma_migrations`.
 */
export const applyPostgresMigrations = async ({
  databaseUrl,
  directory,
}: {
  databaseUrl: string;
  directory: string;
}) => {
  const files = readMigrationFiles({ directory, provider: 'postgresql' });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    await client.query(createBookkeeping);
    const applied: string[] = [];
    for (const file of planMigrations({ files, records: await readRecords(client) })) {
      try {
        await client.query('BEGIN');
        await client.query(file.sql);
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), clock_timestamp(), 1)',
          [randomUUID(), file.checksum, file.name],
        );
        await client.query('COMMIT');
        applied.push(file.name);
      } catch (error) {
        await client.query('ROLLBACK');
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, applied_steps_count) VALUES ($1, $2, $3, $4, 0)',
          [randomUUID(), file.checksum, file.name, String(error)],
        );
        throw toMigrationError({ name: file.name, error });
      }
    }
    return { applied };
  } finally {
    // Ending the session releases the advisory lock.
    await client.end();
  }
};
