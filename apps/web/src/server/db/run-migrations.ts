import { join } from 'node:path';
import { toDatabaseProvider } from '../../env.js';
import { applyMigrations } from './apply-migrations.js';
import { applyPostgresMigrations } from './apply-postgres-migrations.js';
import { findRepositoryRoot } from './migrate-database.js';

/** The committed migrations of a provider in the repository (prisma/migrations is SQLite's). */
export const findMigrationsDirectory = ({ databaseUrl, root }: { databaseUrl: string; root: string }) =>
  toDatabaseProvider(databaseUrl) === 'sqlite'
    ? join(root, 'prisma', 'migrations')
    : join(root, 'prisma', 'postgresql', 'migrations');

/**
 * The migrations of a provider in the packaged control plane (package-control-plane.mjs copies them there):
 * `migrations/` for SQLite, `postgresql/migrations/` for PostgreSQL, as prisma/ holds them in the repository.
 */
export const findPackagedMigrations = ({
  databaseUrl,
  packageDir,
}: {
  databaseUrl: string;
  packageDir: string;
}) =>
  toDatabaseProvider(databaseUrl) === 'sqlite'
    ? join(packageDir, 'migrations')
    : join(packageDir, 'postgresql', 'migrations');

/**
 * Brings the database of `databaseUrl` (either provider) to its committed migrations with our runner over
 * the driver (no Prisma CLI): `directory`, or the provider's directory in the repository above `from`.
 */
export const runMigrations = async ({
  databaseUrl,
  directory,
  from = process.cwd(),
}: {
  databaseUrl: string;
  directory?: string;
  from?: string;
}): Promise<{ applied: string[] }> => {
  const migrations =
    directory ?? findMigrationsDirectory({ databaseUrl, root: findRepositoryRoot({ from }) });
  return toDatabaseProvider(databaseUrl) === 'sqlite'
    ? applyMigrations({ databaseUrl, directory: migrations })
    : applyPostgresMigrations({ databaseUrl, directory: migrations });
};
