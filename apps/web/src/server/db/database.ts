import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Database as SqliteConnection } from 'better-sqlite3';
import { toDatabaseProvider } from '../../env.js';
import { PrismaClient } from '../../generated/prisma/client.js';
import { PrismaClient as PostgresPrismaClient } from '../../generated/prisma-postgresql/client.js';
import { ensureDatabaseDirectory, protectDatabaseFile } from './database-file.js';
import { cacheStatements } from './statement-cache.js';
import { takeTurnsOnConnection } from './transaction-turns.js';

// The file helpers live apart (no Prisma client behind them: the packaged launcher uses them too).
export { ensureDatabaseDirectory, protectDatabaseFile, toSqliteFile } from './database-file.js';

export type Database = PrismaClient;
/** The client inside an interactive transaction. */
export type DatabaseTransaction = Parameters<Parameters<Database['$transaction']>[0]>[0];

/**
 * A Prisma client on the database of `databaseUrl`: the embedded SQLite file (its directory created if
 * missing) or PostgreSQL. Each provider has its own generated client (the query compiler is per provider),
 * both from the one schema source (postgres-schema.ts): the same models and queries, so the services see one
 * type. Only filters we do not use (e.g. case-insensitive `mode`) differ between the two.
 */
export const createDatabase = ({ databaseUrl }: { databaseUrl: string }): Database => {
  if (toDatabaseProvider(databaseUrl) === 'postgresql') {
    const adapter = new PrismaPg({ connectionString: databaseUrl });
    // A burst of changes (100 instance creations at once) queues its transactions for the pool's connections,
    // and an allocating one waits for the node's allocation lock: they wait as long as a SQLite write waits
    // for the file (10 s) instead of Prisma's 2 s, and may then run 30 s.
    return new PostgresPrismaClient({
      adapter,
      transactionOptions: { maxWait: 10_000, timeout: 30_000 },
    }) as unknown as Database;
  }
  ensureDatabaseDirectory({ databaseUrl });
  protectDatabaseFile({ databaseUrl });
  // A write waits (up to 10 s) for another one to finish instead of failing at once.
  const factory = new PrismaBetterSQLite3({ url: databaseUrl, timeout: 10_000 });
  return new PrismaClient({ adapter: withWriteAheadLog(factory) });
};

/**
 * Opens every SQLite connection in write-ahead-log mode with `synchronous = NORMAL`: a commit appends to
 * the log without waiting for the disk (the log is synced at checkpoints), where the default rollback
 * journal syncs several times per commit (about 30 ms each on a busy disk, three commits per instance
 * created). A crash of the process loses nothing; a power cut may lose the last commits, never the
 * file's consistency. Readers no longer wait for a writer. The log files get the database file's mode.
 * Its statements are kept compiled (statement-cache.ts), and a query outside a transaction waits for an open
 * one instead of running inside it (transaction-turns.ts).
 */
const withWriteAheadLog = (factory: PrismaBetterSQLite3) => ({
  provider: 'sqlite' as const,
  adapterName: factory.adapterName,
  connect: async () => {
    const adapter = await factory.connect();
    await adapter.executeScript('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    // The adapter (6.19, pinned) prepares each query's SQL anew on its connection (`client`).
    cacheStatements({ connection: (adapter as unknown as { client: SqliteConnection }).client });
    return takeTurnsOnConnection(adapter);
  },
  connectToShadowDb: () => factory.connectToShadowDb(),
});

/** PostgreSQL names a mixed-case column quoted (`"ipAddr"`, from its `Key (...)` detail): the bare name. */
const toColumnName = (field: unknown) => String(field).replace(/^"(.*)"$/, '$1');

/**
 * `text` as every provider can store it: PostgreSQL's text refuses the NUL character (SQLite keeps it), and
 * an error message may quote a user's input verbatim. NUL becomes U+FFFD, the replacement character.
 */
export const toStorableText = <T extends string | null | undefined>(text: T): T =>
  (typeof text === 'string' ? text.replaceAll('\u0000', '\ufffd') : text) as T;

const readFields = (value: unknown): string[] | undefined => {
  if (Array.isArray(value)) return value.map(toColumnName);
  if (typeof value === 'string') return [toColumnName(value)];
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
