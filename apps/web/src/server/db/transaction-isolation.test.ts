import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from './database.js';
import { migrateDatabase } from './migrate-database.js';

let directory: string;
let db: Database;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-db-isolation-'));
  const databaseUrl = `file:${join(directory, 'kudo.db')}`;
  await migrateDatabase({ databaseUrl });
  db = createDatabase({ databaseUrl });
}, 60_000);
afterAll(async () => {
  try {
    await db?.$disconnect();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

const recordEntry = ({ client, targetId }: { client: Pick<Database, 'auditEntry'>; targetId: string }) =>
  client.auditEntry.create({
    data: { actor: 'test', action: 'test', targetType: 'test', targetId, result: 'ok', durationMs: 0 },
  });

/**
 * SQLite has one connection per client: a query outside a transaction must not run inside another
 * request's open transaction (its write would be lost with that transaction's rollback, and a read would
 * see what that transaction had not committed). The pinned adapter (@prisma/adapter-better-sqlite3 6.19)
 * locks only transactions; Prisma's client holds the other queries back while one is open. Check it here
 * at a Prisma upgrade.
 */
describe('a query beside an open transaction on SQLite', () => {
  it("is not rolled back with the transaction, and does not read the transaction's uncommitted writes", async () => {
    let resume = () => {};
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let written = () => {};
    const hasWritten = new Promise<void>((resolve) => {
      written = resolve;
    });
    const transaction = db
      .$transaction(async (tx) => {
        await recordEntry({ client: tx, targetId: 'inside' });
        written();
        await paused;
        throw new Error('refused: roll back');
      })
      .catch((error: unknown) => error);
    await hasWritten;
    // Beside it: a read and a write of another request.
    const outsideRead = db.auditEntry.count({ where: { targetId: 'inside' } });
    const outsideWrite = recordEntry({ client: db, targetId: 'outside' });
    // The transaction goes on once they are done (run inside it, they would be at once) or after a second
    // (held back until it ends, as they must be).
    void Promise.race([
      Promise.allSettled([outsideRead, outsideWrite]),
      new Promise((resolve) => setTimeout(resolve, 1000)),
    ]).then(resume);
    expect(await transaction).toMatchObject({ message: 'refused: roll back' });
    expect(await outsideRead).toBe(0);
    await outsideWrite;
    expect(await db.auditEntry.count({ where: { targetId: 'outside' } })).toBe(1);
    expect(await db.auditEntry.count({ where: { targetId: 'inside' } })).toBe(0);
  });
});
