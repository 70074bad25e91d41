import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from './apply-migrations.js';
import { findRepositoryRoot, migrateDatabase } from './migrate-database.js';

/**
 * The packaged control plane's migrations (no Prisma CLI) against the real `prisma migrate deploy`: each
 * carries on from a database the other migrated, and a failed migration stops the next start.
 */
const root = findRepositoryRoot({ from: import.meta.dirname });
const repositoryMigrations = join(root, 'prisma', 'migrations');
const migrationNames = readdirSync(repositoryMigrations, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const readBookkeeping = (file: string) => {
  const db = new Sqlite(file, { readonly: true });
  try {
    return db
      .prepare(
        'SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at, migration_name',
      )
      .all() as {
      migration_name: string;
      checksum: string;
      finished_at: string | null;
      rolled_back_at: string | null;
      applied_steps_count: number;
    }[];
  } finally {
    db.close();
  }
};

describe('applyMigrations', () => {
  let directory: string;
  let file: string;
  let databaseUrl: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'kudo-migrations-'));
    file = join(directory, 'data', 'kudo.db');
    databaseUrl = `file:${file}`;
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('migrates a fresh database as prisma migrate deploy would, which then finds nothing to do', async () => {
    expect(applyMigrations({ databaseUrl, directory: repositoryMigrations })).toEqual({
      applied: migrationNames,
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const rows = readBookkeeping(file);
    expect(rows.map((row) => row.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      const sql = readFileSync(join(repositoryMigrations, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
      expect(row.applied_steps_count).toBe(1);
    }
    // The schema is there: a table of the first migration answers.
    const db = new Sqlite(file, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS count FROM "Node"').get()).toEqual({ count: 0 });
    db.close();

    const { output } = await migrateDatabase({ databaseUrl, from: root });
    expect(output).toContain('No pending migrations to apply');
    expect(readBookkeeping(file)).toHaveLength(migrationNames.length);
    expect(applyMigrations({ databaseUrl, directory: repositoryMigrations })).toEqual({ applied: [] });
  });

  it('carries on from a database that prisma migrate deploy migrated', async () => {
    await migrateDatabase({ databaseUrl, from: root });
    expect(applyMigrations({ databaseUrl, directory: repositoryMigrations })).toEqual({ applied: [] });
    expect(readBookkeeping(file)).toHaveLength(migrationNames.length);
  });

  it('applies only the migrations a database lacks, in name order', () => {
    const copy = join(directory, 'migrations');
    cpSync(repositoryMigrations, copy, { recursive: true });
    const [first, ...rest] = migrationNames;
    for (const name of rest) rmSync(join(copy, name), { recursive: true });
    expect(applyMigrations({ databaseUrl, directory: copy })).toEqual({ applied: [first] });
    expect(applyMigrations({ databaseUrl, directory: repositoryMigrations })).toEqual({ applied: rest });
  });

  it('stops at a failing migration, records it, and refuses to start again until it is resolved', () => {
    const copy = join(directory, 'migrations');
    cpSync(repositoryMigrations, copy, { recursive: true });
    mkdirSync(join(copy, '99999999999999_broken'));
    writeFileSync(
      join(copy, '99999999999999_broken', 'migration.sql'),
      'ALTER TABLE "NoSuchTable" ADD "x" TEXT;',
    );

    expect(() => applyMigrations({ databaseUrl, directory: copy })).toThrow(
      /database migration 99999999999999_broken failed: .*NoSuchTable/,
    );
    const broken = readBookkeeping(file).find((row) => row.migration_name === '99999999999999_broken');
    expect(broken).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
    expect(() => applyMigrations({ databaseUrl, directory: copy })).toThrow(
      /migration 99999999999999_broken failed earlier/,
    );
  });

  it('refuses a directory that is not a Prisma migrations directory, creating nothing', () => {
    expect(() => applyMigrations({ databaseUrl, directory })).toThrow(/no migration_lock\.toml/);
    expect(readdirSync(directory)).toEqual([]);
  });
});
