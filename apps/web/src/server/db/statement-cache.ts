import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/** Statements kept per connection: Prisma's queries are a few dozen shapes; IN lists of varied length add more. */
const defaultCapacity = 256;

/** What the SQLite adapter does with a prepared statement, its parameters given once (`bind`). */
type BoundStatement = {
  readonly reader: boolean;
  columns: () => ReturnType<Statement['columns']>;
  run: () => ReturnType<Statement['run']>;
  get: () => unknown;
  all: () => unknown[];
  raw: (isRaw?: boolean) => BoundStatement;
};

/** A kept statement as `prepare` hands it out: parameters go with each call, never into the statement. */
const toReusable = (statement: Statement) => ({
  reader: statement.reader,
  run: (...parameters: unknown[]) => statement.run(...parameters),
  bind: (...parameters: unknown[]): BoundStatement => {
    let isRaw = false;
    const bound: BoundStatement = {
      reader: statement.reader,
      columns: () => statement.columns(),
      run: () => statement.run(...parameters),
      get: () => statement.raw(isRaw).get(...parameters),
      all: () => statement.raw(isRaw).all(...parameters),
      raw: (flag = true) => {
        isRaw = flag;
        return bound;
      },
    };
    return bound;
  },
});

/**
 * Makes `connection.prepare` reuse the statements it compiled (the most recently used `capacity`, by SQL
 * text) instead of compiling every query's SQL again, a cost the adapter pays on each call. A statement
 * handed out never holds parameters (better-sqlite3 binds once per statement object): `bind` returns a
 * view that passes them with each call, and sets the raw mode just before reading. Safe because
 * better-sqlite3 runs a statement to its end synchronously (the adapter never iterates one), and SQLite
 * prepares a kept statement again by itself when the schema changed.
 */
export const cacheStatements = ({
  connection,
  capacity = defaultCapacity,
}: {
  connection: SqliteDatabase;
  capacity?: number;
}) => {
  const prepare = connection.prepare.bind(connection);
  const kept = new Map<string, ReturnType<typeof toReusable>>();
  connection.prepare = ((source: string) => {
    const found = kept.get(source);
    if (found) {
      // Most recently used last: a Map iterates in insertion order.
      kept.delete(source);
      kept.set(source, found);
      return found;
    }
    const reusable = toReusable(prepare(source));
    kept.set(source, reusable);
    if (kept.size > capacity) kept.delete(kept.keys().next().value as string);
    return reusable;
  }) as unknown as SqliteDatabase['prepare'];
  return { countKept: () => kept.size };
};
