import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

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
