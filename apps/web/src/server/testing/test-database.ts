import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '../db/database.js';
import { migrateDatabase } from '../db/migrate-database.js';

/** A migrated SQLite database of its own under the system's temp directory; `remove()` deletes it. */
export const createTestDatabase = async () => {
  const directory = await mkdtemp(join(tmpdir(), 'kudo-web-test-'));
  const databaseUrl = `file:${join(directory, 'kudo.db')}`;
  await migrateDatabase({ databaseUrl });
  const db = createDatabase({ databaseUrl });
  return {
    db,
    databaseUrl,
    remove: async () => {
      await db.$disconnect();
      await rm(directory, { recursive: true, force: true });
    },
  };
};
