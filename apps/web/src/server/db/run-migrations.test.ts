import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmptyTestDatabase, readTestProvider } from '../testing/test-database.js';
import { createDatabase } from './database.js';
import { findRepositoryRoot, migrateDatabase } from './migrate-database.js';
import { readMigrationFiles } from './migration-files.js';
import { findMigrationsDirectory, runMigrations } from './run-migrations.js';

/** Our migration runner on this project's provider (SQLite, or the throwaway PostgreSQL). */
const provider = readTestProvider();
const root = findRepositoryRoot({ from: import.meta.dirname });

const readBookkeeping = async (databaseUrl: string) => {
  const db = createDatabase({ databaseUrl });
  try {
    return await db.$queryRawUnsafe<{ migration_name: string }[]>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name',
    );
  } finally {
    await db.$disconnect();
  }
};

describe(`the migration runner on ${provider}`, () => {
  let database: Awaited<ReturnType<typeof createEmptyTestDatabase>>;
  let scratch: string;
  const directory = () => findMigrationsDirectory({ databaseUrl: database.databaseUrl, root });
  const names = () => readMigrationFiles({ directory: directory() }).map(({ name }) => name);

  beforeEach(async () => {
    database = await createEmptyTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'kudo-migrations-'));
  });
  afterEach(async () => {
    rmSync(scratch, { recursive: true, force: true });
    await database.drop();
  });

  it('migrates a fresh database, then finds nothing to do', async () => {
    const { databaseUrl } = database;
    expect(await runMigrations({ databaseUrl, from: root })).toEqual({ applied: names() });
    expect(await runMigrations({ databaseUrl, from: root })).toEqual({ applied: [] });
    expect((await readBookkeeping(databaseUrl)).map((row) => row.migration_name)).toEqual(names());
    const db = createDatabase({ databaseUrl });
    expect(await db.node.count()).toBe(0);
    await db.$disconnect();
  });

  it("agrees with the scripts' migrateDatabase (npm run web, the lab cluster)", {
    timeout: 60_000,
  }, async () => {
    const { databaseUrl } = database;
    await migrateDatabase({ databaseUrl, from: root });
    expect(await runMigrations({ databaseUrl, from: root })).toEqual({ applied: [] });
    expect(await readBookkeeping(databaseUrl)).toHaveLength(names().length);
  });

  it('migrates once when two control planes start together', async () => {
    const { databaseUrl } = database;
    const results = await Promise.all([
      runMigrations({ databaseUrl, from: root }),
      runMigrations({ databaseUrl, from: root }),
    ]);
    expect(results.flatMap(({ applied }) => applied).sort()).toEqual(names());
    expect(await readBookkeeping(databaseUrl)).toHaveLength(names().length);
  });

  it('refuses a migration whose file changed after it was applied, and applies nothing after it', async () => {
    const { databaseUrl } = database;
    const copy = join(scratch, 'migrations');
    cpSync(directory(), copy, { recursive: true });
    const [first] = names();
    await runMigrations({ databaseUrl, directory: copy });
    appendFileSync(join(copy, `${first}`, 'migration.sql'), '\n-- edited\n');
    cpSync(join(copy, `${first}`), join(copy, '99999999999999_later'), { recursive: true });
    await expect(runMigrations({ databaseUrl, directory: copy })).rejects.toThrow(
      new RegExp(`database migration ${first} was applied with checksum [0-9a-f]{64}, but its file now has`),
    );
    expect(await readBookkeeping(databaseUrl)).toHaveLength(names().length);
  });

  it('rolls a failing migration back whole and records it, so the next start stops', async () => {
    const { databaseUrl } = database;
    const copy = join(scratch, 'migrations');
    cpSync(directory(), copy, { recursive: true });
    cpSync(join(copy, names()[0] ?? ''), join(copy, '99999999999999_broken'), { recursive: true });
    appendFileSync(
      join(copy, '99999999999999_broken', 'migration.sql'),
      '\nCREATE TABLE "Half" ("id" INTEGER);\nALTER TABLE "NoSuchTable" ADD "x" TEXT;\n',
    );
    await expect(runMigrations({ databaseUrl, directory: copy })).rejects.toThrow(
      /database migration 99999999999999_broken failed: /,
    );
    const db = createDatabase({ databaseUrl });
    await expect(db.$queryRawUnsafe('SELECT * FROM "Half"')).rejects.toThrow();
    await db.$disconnect();
    await expect(runMigrations({ databaseUrl, directory: copy })).rejects.toThrow(/failed earlier/);
  });
});

describe('a migrations directory of the other provider', () => {
  it('is refused before anything is applied', async () => {
    const database = await createEmptyTestDatabase();
    try {
      const other = join(root, 'prisma', provider === 'sqlite' ? 'postgresql/migrations' : 'migrations');
      await expect(runMigrations({ databaseUrl: database.databaseUrl, directory: other })).rejects.toThrow(
        new RegExp(
          `holds migrations for ${provider === 'sqlite' ? 'postgresql' : 'sqlite'}, not ${provider}`,
        ),
      );
    } finally {
      await database.drop();
    }
  });
});
