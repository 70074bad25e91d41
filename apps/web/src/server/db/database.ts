import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../../generated/prisma/client.js';
import { ensureDatabaseDirectory, protectDatabaseFile } from './database-file.js';

// The file helpers live apart (no Prisma client behind them: the packaged launcher uses them too).
export { ensureDatabaseDirectory, protectDatabaseFile, toSqliteFile } from './database-file.js';

export type Database = PrismaClient;
/** The client inside an interactive transaction. */
export type DatabaseTransaction = Parameters<Parameters<Database['$transaction']>[0]>[0];

/**
 * A Prisma client on the embedded SQLite database (its directory is created if missing).
 * PostgreSQL: see prisma/README.md (another generated client and the pg adapter, same services).
 */
export const createDatabase = ({ databaseUrl }: { databaseUrl: string }): Database => {
  ensureDatabaseDirectory({ databaseUrl });
  protectDatabaseFile({ databaseUrl });
  // A write waits (up to 10 s) for another one to finish instead of failing at once.
  const adapter = new PrismaBetterSQLite3({ url: databaseUrl, timeout: 10_000 });
  return new PrismaClient({ adapter });
};

const readFields = (value: unknown): string[] | undefined => {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') return [value];
  return undefined;
};

/**
 * The fields of the unique constraint an error violated (Prisma's P2002), or undefined for any other error.
 * With driver adapters Prisma puts them in `meta.driverAdapterError.cause.constraint.fields`.
 */
export const readUniqueViolation = (error: unknown): string[] | undefined => {
  if (typeof error !== 'object' || error === null || !('code' in error) || error.code !== 'P2002')
    return undefined;
  const meta = 'meta' in error ? (error.meta as Record<string, unknown> | undefined) : undefined;
  const adapterCause = (meta?.driverAdapterError as { cause?: { constraint?: { fields?: unknown } } })?.cause;
  return readFields(meta?.target) ?? readFields(adapterCause?.constraint?.fields) ?? [];
};
