import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../../generated/prisma/client.js';

export type Database = PrismaClient;
/** The client inside an interactive transaction. */
export type DatabaseTransaction = Parameters<Parameters<Database['$transaction']>[0]>[0];

/** The SQLite file of a `file:` URL. */
export const toSqliteFile = (databaseUrl: string) => databaseUrl.replace(/^file:/, '');

/**
 * Creates the directory of the SQLite file (the data directory) if it is missing, readable by its owner
 * only: the database holds every agent's bearer token.
 */
export const ensureDatabaseDirectory = ({ databaseUrl }: { databaseUrl: string }) => {
  mkdirSync(dirname(toSqliteFile(databaseUrl)), { recursive: true, mode: 0o700 });
};

/**
 * Makes the SQLite file (and its journal, if any) readable and writable by its owner only: it holds every
 * agent's bearer token, which lets anyone holding it rewrite that node's network. SQLite gives the files it
 * creates later (-journal, -wal) the database file's mode.
 */
export const protectDatabaseFile = ({ databaseUrl }: { databaseUrl: string }) => {
  const file = toSqliteFile(databaseUrl);
  for (const path of [file, `${file}-journal`, `${file}-wal`, `${file}-shm`])
    if (existsSync(path)) chmodSync(path, 0o600);
};

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
