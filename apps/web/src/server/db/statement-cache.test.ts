import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from './database.js';
import { migrateDatabase } from './migrate-database.js';
import { cacheStatements } from './statement-cache.js';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'kudo-statement-cache-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('kept SQLite statements', () => {
  it('answer each call with its own parameters, in raw mode or not, and keep at most `capacity`', () => {
    const connection = new Sqlite(':memory:');
    const { countKept } = cacheStatements({ connection, capacity: 2 });
    connection.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)');
    const insert = 'INSERT INTO item (id, name) VALUES (?, ?)';
    for (const [id, name] of [
      [1, 'one'],
      [2, 'two'],
    ] as const)
      connection.prepare(insert).bind([id, name]).run();
    const select = 'SELECT id, name FROM item WHERE id = ?';
    const kept = connection.prepare(select);
    expect(connection.prepare(select)).toBe(kept);
    expect(connection.prepare(select).bind([2]).raw().all()).toEqual([[2, 'two']]);
    expect(connection.prepare(select).bind([1]).all()).toEqual([{ id: 1, name: 'one' }]);
    expect(
      connection
        .prepare(select)
        .bind([1])
        .columns()
        .map(({ name }) => name),
    ).toEqual(['id', 'name']);
    const third = connection.prepare(insert).bind([3, 'three']);
    expect(third.reader).toBe(false);
    third.run();
    // A third statement: the least recently used one (the select) is let go, compiled again when asked.
    expect(connection.prepare('SELECT count(*) AS n FROM item').bind([]).get()).toEqual({ n: 3 });
    expect(countKept()).toBe(2);
    expect(connection.prepare(select)).not.toBe(kept);
    expect(connection.prepare(select).bind([3]).get()).toEqual({ id: 3, name: 'three' });
    connection.close();
  });

  it('serve Prisma: rows written and read back through kept statements are each call’s own', {
    timeout: 60_000,
  }, async () => {
    const databaseUrl = `file:${join(directory, 'kudo.db')}`;
    await migrateDatabase({ databaseUrl });
    const db = createDatabase({ databaseUrl });
    try {
      const names = Array.from({ length: 20 }, (_, index) => `user-${index}`);
      for (const name of names)
        await db.user.create({ data: { name, passwordHash: `hash-${name}`, role: 'viewer' } });
      const read = await Promise.all(
        names.map((name) =>
          db.user.findUnique({ where: { name }, select: { name: true, passwordHash: true } }),
        ),
      );
      expect(read).toEqual(names.map((name) => ({ name, passwordHash: `hash-${name}` })));
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { name: 'user-3' }, data: { role: 'admin' } });
      });
      expect(await db.user.count({ where: { role: 'admin' } })).toBe(1);
    } finally {
      await db.$disconnect();
    }
  });
});
