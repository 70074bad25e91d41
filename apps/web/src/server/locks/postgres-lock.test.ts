import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase } from '../db/database.js';
import { runMigrations } from '../db/run-migrations.js';
import { createEmptyTestDatabase } from '../testing/test-database.js';
import { createPostgresLock } from './postgres-lock.js';

/** Waits (no deadline of its own: the test's timeout) until a session waits for an advisory lock. */
const waitForAdvisoryWaiter = async (databaseUrl: string) => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query(
        "SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
      );
      if (rows[0].waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
};

/** The lock of two replicas (two lock instances, as two processes have) on one PostgreSQL database. */
describe('the PostgreSQL node lock', () => {
  let database: Awaited<ReturnType<typeof createEmptyTestDatabase>>;
  beforeEach(async () => {
    database = await createEmptyTestDatabase();
    await runMigrations({ databaseUrl: database.databaseUrl, from: import.meta.dirname });
  });
  afterEach(() => database.drop());

  it('keeps work on one node of another replica waiting until the holder is done', async () => {
    const [a, b] = [database, database].map(({ databaseUrl }) => createPostgresLock({ databaseUrl }));
    if (!a || !b) throw new Error('two locks expected');
    const order: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = a.run({
      key: 'node1',
      work: async () => {
        order.push('a starts');
        await held;
        order.push('a ends');
      },
    });
    await waitForOrder(order);
    const second = b.run({ key: 'node1', work: async () => order.push('b runs') });
    await waitForAdvisoryWaiter(database.databaseUrl);
    expect(order).toEqual(['a starts']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['a starts', 'a ends', 'b runs']);
    await Promise.all([a.close(), b.close()]);
  });

  it('lets two replicas work on different instances of one node at once, never on one instance, nor on the whole node meanwhile', async () => {
    const [a, b] = [database, database].map(({ databaseUrl }) => createPostgresLock({ databaseUrl }));
    if (!a || !b) throw new Error('two locks expected');
    const order: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = a.runOnItem({
      key: 'node1',
      item: 'web-1',
      work: async () => {
        order.push('a works on web-1');
        await held;
        order.push('a is done with web-1');
      },
    });
    await waitForOrder(order);
    // Another instance of the node: at once, while a still holds web-1.
    await b.runOnItem({ key: 'node1', item: 'web-2', work: async () => order.push('b works on web-2') });
    expect(order).toEqual(['a works on web-1', 'b works on web-2']);
    const sameInstance = b.runOnItem({
      key: 'node1',
      item: 'web-1',
      work: async () => order.push('b works on web-1'),
    });
    await waitForAdvisoryWaiter(database.databaseUrl);
    const wholeNode = b.run({ key: 'node1', work: async () => order.push('b works on node1') });
    expect(order).toEqual(['a works on web-1', 'b works on web-2']);
    release();
    await Promise.all([first, sameInstance, wholeNode]);
    expect(order.slice(0, 3)).toEqual(['a works on web-1', 'b works on web-2', 'a is done with web-1']);
    expect([...order.slice(3)].sort()).toEqual(['b works on node1', 'b works on web-1']);
    await Promise.all([a.close(), b.close()]);
  });

  it('serialises allocating transactions of two replicas on one key', async () => {
    const locks = [createPostgresLock(database), createPostgresLock(database)];
    const dbs = [createDatabase(database), createDatabase(database)];
    const order: string[] = [];
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = dbs[0]?.$transaction(async (tx) => {
      await locks[0]?.serializeAllocation({ tx, key: 'node:node1' });
      order.push('a allocates');
      await held;
    });
    await waitForOrder(order);
    const second = dbs[1]?.$transaction(async (tx) => {
      await locks[1]?.serializeAllocation({ tx, key: 'node:node1' });
      order.push('b allocates');
    });
    await waitForAdvisoryWaiter(database.databaseUrl);
    expect(order).toEqual(['a allocates']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['a allocates', 'b allocates']);
    await Promise.all([...locks.map((lock) => lock.close()), ...dbs.map((db) => db.$disconnect())]);
  });
});

/** Until the first transaction holds its lock. */
const waitForOrder = async (order: string[]) => {
  while (order.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
};
