import type { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

type SqliteAdapter = Awaited<ReturnType<PrismaBetterSQLite3['connect']>>;
type SqliteTransaction = Awaited<ReturnType<SqliteAdapter['startTransaction']>>;

/** A lock taken first come, first served: `take` resolves with the function that gives it back. */
const createTurns = () => {
  let last: Promise<void> = Promise.resolve();
  return {
    take: async () => {
      let release = () => {};
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const before = last;
      last = before.then(() => mine);
      await before;
      return release;
    },
  };
};

/**
 * The SQLite adapter with one turn at a time on its connection: a transaction holds it from BEGIN to its
 * commit or rollback, and a query outside any transaction waits for it. The adapter (6.19, pinned) locks
 * only transactions against each other, and SQLite has one connection per client: a query of another
 * request sent while a transaction awaited ran inside it, so it read what that transaction had not
 * committed, and its write was undone when that transaction rolled back (an allocation refused for a
 * port conflict took a concurrent request's status change with it). A query inside the transaction runs
 * on the transaction's object and never waits here.
 */
export const takeTurnsOnConnection = (adapter: SqliteAdapter): SqliteAdapter => {
  const turns = createTurns();
  const runAlone = async <T>(work: () => Promise<T>) => {
    const release = await turns.take();
    try {
      return await work();
    } finally {
      release();
    }
  };
  const holdUntilEnd = (transaction: SqliteTransaction, release: () => void): SqliteTransaction => {
    const end = (finish: () => Promise<void>) => async () => {
      try {
        await finish();
      } finally {
        release();
      }
    };
    return {
      provider: transaction.provider,
      adapterName: transaction.adapterName,
      options: transaction.options,
      queryRaw: (query) => transaction.queryRaw(query),
      executeRaw: (query) => transaction.executeRaw(query),
      commit: end(() => transaction.commit()),
      rollback: end(() => transaction.rollback()),
    };
  };
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => runAlone(() => adapter.queryRaw(query)),
    executeRaw: (query) => runAlone(() => adapter.executeRaw(query)),
    executeScript: (script) => runAlone(() => adapter.executeScript(script)),
    startTransaction: async (isolationLevel) => {
      const release = await turns.take();
      try {
        return holdUntilEnd(await adapter.startTransaction(isolationLevel), release);
      } catch (error) {
        release();
        throw error;
      }
    },
    ...(adapter.getConnectionInfo ? { getConnectionInfo: adapter.getConnectionInfo.bind(adapter) } : {}),
    dispose: () => adapter.dispose(),
  };
};
