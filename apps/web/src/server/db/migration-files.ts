import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { DatabaseProvider } from '../../env.js';
import { WebError } from '../errors/web-error.js';

export type MigrationFile = { name: string; sql: string; checksum: string };

/** A migration as the bookkeeping table (`_prisma_migrations`) records it. */
export type MigrationRecord = {
  name: string;
  checksum: string;
  isFinished: boolean;
  isRolledBack: boolean;
};

/**
 * The migrations of a Prisma migrations directory, oldest first: name, SQL and Prisma's checksum of it.
 * Refuses a directory written for another provider than `provider` (its migration_lock.toml says which).
 */
export const readMigrationFiles = ({
  directory,
  provider,
}: {
  directory: string;
  provider?: DatabaseProvider;
}): MigrationFile[] => {
  if (!existsSync(`${directory}/migration_lock.toml`))
    throw new WebError({
      code: 'INTERNAL',
      message: `${directory} is not a Prisma migrations directory (no migration_lock.toml)`,
    });
  const lockedProvider = /provider\s*=\s*"(\w+)"/.exec(
    readFileSync(`${directory}/migration_lock.toml`, 'utf8'),
  )?.[1];
  if (provider && lockedProvider !== provider)
    throw new WebError({
      code: 'INTERNAL',
      message: `${directory} holds migrations for ${lockedProvider ?? 'an unknown provider'}, not ${provider}: use prisma/${provider === 'sqlite' ? 'migrations' : 'postgresql/migrations'} (or the packaged copy of it)`,
    });
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${directory}/${entry.name}/migration.sql`))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(`${directory}/${name}/migration.sql`);
      return { name, sql: sql.toString('utf8'), checksum: createHash('sha256').update(sql).digest('hex') };
    });
};

/**
 * What a database needs of `files`, given what its bookkeeping says: the migrations still to apply, in name
 * order. Refuses (a typed error, nothing applied) a migration that failed earlier and was not resolved, and
 * an applied migration whose file has changed since: a committed migration is never edited, so a changed
 * checksum means a tampered or mixed-up migrations directory.
 */
export const planMigrations = ({
  files,
  records,
}: {
  files: MigrationFile[];
  records: MigrationRecord[];
}) => {
  const failed = records.find((record) => !record.isFinished && !record.isRolledBack);
  if (failed)
    throw new WebError({
      code: 'INTERNAL',
      message: `database migration ${failed.name} failed earlier: fix the database and mark it with \`prisma migrate resolve\` (see prisma/README.md) before the control plane starts`,
    });
  const applied = new Map(
    records
      .filter((record) => record.isFinished && !record.isRolledBack)
      .map((record) => [record.name, record]),
  );
  for (const file of files) {
    const record = applied.get(file.name);
    if (record && record.checksum !== file.checksum)
      throw new WebError({
        code: 'INTERNAL',
        message: `database migration ${file.name} was applied with checksum ${record.checksum}, but its file now has ${file.checksum}: a committed migration must not change (restore the original file, or use the migrations of the version that made this database)`,
      });
  }
  return files.filter((file) => !applied.has(file.name));
};

/** A migration that failed: it was rolled back (one transaction per file) and recorded as failed. */
export const toMigrationError = ({ name, error }: { name: string; error: unknown }) =>
  new WebError({
    code: 'INTERNAL',
    message: `database migration ${name} failed: ${error instanceof Error ? error.message : String(error)} (rolled back; the control plane will not start until it is resolved, see prisma/README.md)`,
    cause: error,
  });
