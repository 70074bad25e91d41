import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { toDatabaseProvider } from '../../env.js';
import { WebError } from '../errors/web-error.js';
import { applyPostgresMigrations } from './apply-postgres-migrations.js';
import { ensureDatabaseDirectory, protectDatabaseFile } from './database.js';

const run = promisify(execFile);

/** The Prisma CLI, installed at the repository root (npm workspaces hoist it) or in apps/web. */
const findPrismaCli = ({ root }: { root: string }) => {
  const candidates = [root, join(root, 'apps', 'web')].map((directory) =>
    join(directory, 'node_modules', 'prisma', 'build', 'index.js'),
  );
  const cli = candidates.find((candidate) => existsSync(candidate));
  if (!cli)
    throw new WebError({
      code: 'INTERNAL',
      message: `the Prisma CLI is not installed (looked for ${candidates.join(', ')}): run npm ci`,
    });
  return cli;
};

/** The repository root: the nearest directory above `from` holding prisma/schema.prisma. */
export const findRepositoryRoot = ({ from }: { from: string }) => {
  for (let directory = from; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'prisma', 'schema.prisma'))) return directory;
    if (dirname(directory) === directory)
      throw new WebError({
        code: 'INTERNAL',
        message: `no prisma/schema.prisma above ${from}: start the control plane from the repository`,
      });
  }
};

/**
 * Brings the database to the committed schema: SQLite with `prisma migrate deploy` (creating the file if
 * needed; offline: the JS schema engine and the better-sqlite3 adapter come from prisma.config.ts in
 * apps/web), PostgreSQL with our runner (the CLI cannot, prisma/orm#27403). Only committed migrations run;
 * it never generates or resets anything. The control plane itself uses run-migrations.ts for both.
 */
export const migrateDatabase = async ({
  databaseUrl,
  from = process.cwd(),
}: {
  databaseUrl: string;
  from?: string;
}) => {
  const root = findRepositoryRoot({ from });
  if (toDatabaseProvider(databaseUrl) === 'postgresql') {
    const directory = join(root, 'prisma', 'postgresql', 'migrations');
    const { applied } = await applyPostgresMigrations({ databaseUrl, directory });
    return {
      output: applied.length > 0 ? `applied: ${applied.join(', ')}` : 'No pending migrations to apply.',
    };
  }
  ensureDatabaseDirectory({ databaseUrl });
  const webRoot = join(root, 'apps', 'web');
  const cli = findPrismaCli({ root });
  try {
    const { stdout } = await run(process.execPath, [cli, 'migrate', 'deploy'], {
      cwd: webRoot,
      // Only what the CLI needs: no update check, no telemetry, no other variable of ours leaks into it.
      env: {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        HOME: homedir(),
      },
      timeout: 120_000,
    });
    protectDatabaseFile({ databaseUrl });
    return { output: stdout };
  } catch (error) {
    const details = error as { stderr?: string; stdout?: string };
    throw new WebError({
      code: 'INTERNAL',
      message: `database migration failed: ${details.stderr || details.stdout || String(error)}`,
      cause: error,
    });
  }
};
