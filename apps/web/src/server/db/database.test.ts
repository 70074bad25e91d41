import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from './database.js';
import { migrateDatabase } from './migrate-database.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-db-mode-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('the database file', () => {
  it('is readable by its owner only, in a directory only its owner can enter (it holds agent tokens)', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(directory, 'data');
    const databaseUrl = `file:${join(dataDir, 'kudo.db')}`;
    await migrateDatabase({ databaseUrl });
    const db = createDatabase({ databaseUrl });
    try {
      await db.clusterSettings.upsert({ where: { id: 1 }, create: { id: 1 }, update: {} });
      expect(modeOf(dataDir)).toBe(0o700);
      expect(modeOf(join(dataDir, 'kudo.db'))).toBe(0o600);
    } finally {
      await db.$disconnect();
    }
  });
});
