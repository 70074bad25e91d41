import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseProvider } from '../../env.js';
import { createDatabase } from '../db/database.js';
import { runMigrations } from '../db/run-migrations.js';

/** The provider of this test project: PostgreSQL in the projects whose setup started a cluster, else SQLite. */
export const readTestProvider = (): DatabaseProvider => inject('databaseProvider') ?? 'sqlite';

/** A database URL of the throwaway PostgreSQL cluster with `name` instead of the cluster's `postgres`. */
const withDatabaseName = ({ url, name }: { url: string; name: string }) => {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
};

/** An empty database of its own: a SQLite file in a temp directory, or a new database in the test cluster. */
export const createEmptyTestDatabase = async ({
  provider = readTestProvider(),
}: {
  provider?: DatabaseProvider;
} = {}) => {
  if (provider === 'sqlite') {
    const directory = await mkdtemp(join(tmpdir(), 'kudo-web-test-'));
    return {
      databaseUrl: `file:${join(directory, 'kudo.db')}`,
      drop: () => rm(directory, { recursive: true, force: true }),
    };
  }
  const adminUrl = inject('postgresUrl');
  if (!adminUrl) throw new Error('no throwaway PostgreSQL in this test project (postgres-global-setup.ts)');
  const name = `kudo_test_${randomBytes(6).toString('hex')}`;
  const runAsAdmin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await runAsAdmin(`CREATE DATABASE "${name}"`);
  return {
    databaseUrl: withDatabaseName({ url: adminUrl, name }),
    drop: () => runAsAdmin(`DROP DATABASE "${name}" WITH (FORCE)`),
  };
};

/**
 * A migrated database of its own (SQLite under the system's temp directory, or PostgreSQL in the test
 * project's throwaway cluster: `provider`, default the project's); `remove()` deletes it.
 */
export const createTestDatabase = async ({ provider }: { provider?: DatabaseProvider } = {}) => {
  const { databaseUrl, drop } = await createEmptyTestDatabase({ provider });
  await runMigrations({ databaseUrl, from: import.meta.dirname });
  const db = createDatabase({ databaseUrl });
  return {
    db,
    databaseUrl,
    remove: async () => {
      await db.$disconnect();
      await drop();
    },
  };
};
