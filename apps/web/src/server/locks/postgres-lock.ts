import pg from 'pg';
import { createKeyedQueues, type KeyedLock, toItemKey } from './keyed-lock.js';

/** The advisory-lock spaces (the first key of pg_advisory_lock(int, int)); the second is hashtext(key). */
const nodeWorkSpace = 0x6b64_0001;
const allocationSpace = 0x6b64_0002;
const itemWorkSpace = 0x6b64_0003;

type LockStep = { sql: 'pg_advisory_lock' | 'pg_advisory_lock_shared'; space: number; key: string };

const unlockSql = {
  pg_advisory_lock: 'pg_advisory_unlock',
  pg_advisory_lock_shared: 'pg_advisory_unlock_shared',
};

/**
 * The lock of control planes sharing one PostgreSQL database: work on a node holds a session advisory lock
 * on a connection of its own (queued in this process first, so waiting work holds no connection), and an
 * allocating transaction takes a transaction advisory lock, released at its commit or rollback. Work on an
 * instance holds its node's lock shared and the instance's exclusively, both on one connection (taken in
 * that order, as in this process: no cycle). Two replicas never give out the same address or host port,
 * never work on one instance at once, nor on an instance while the other works on its whole node. A
 * replica that dies loses its connections, and with them its locks.
 */
export const createPostgresLock = ({ databaseUrl }: { databaseUrl: string }): KeyedLock => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  pool.on('error', () => undefined); // an idle connection lost: the next connect opens another
  const queues = createKeyedQueues();
  const holdAdvisory = async <T>({ steps, work }: { steps: LockStep[]; work: () => Promise<T> }) => {
    const client = await pool.connect();
    const held: LockStep[] = [];
    try {
      for (const step of steps) {
        await client.query(`SELECT ${step.sql}($1::int4, hashtext($2::text))`, [step.space, step.key]);
        held.push(step);
      }
      return await work();
    } finally {
      for (const step of held.reverse())
        await client
          .query(`SELECT ${unlockSql[step.sql]}($1::int4, hashtext($2::text))`, [step.space, step.key])
          .catch(() => undefined);
      client.release();
    }
  };
  return {
    run: ({ key, work }) =>
      queues.exclusive({
        key,
        work: () => holdAdvisory({ steps: [{ sql: 'pg_advisory_lock', space: nodeWorkSpace, key }], work }),
      }),
    runOnItem: ({ key, item, work }) => {
      const itemKey = toItemKey({ key, item });
      return queues.shared({
        key,
        work: () =>
          queues.exclusive({
            key: itemKey,
            work: () =>
              holdAdvisory({
                steps: [
                  { sql: 'pg_advisory_lock_shared', space: nodeWorkSpace, key },
                  { sql: 'pg_advisory_lock', space: itemWorkSpace, key: itemKey },
                ],
                work,
              }),
          }),
      });
    },
    serializeAllocation: async ({ tx, key }) => {
      await tx.$queryRawUnsafe(
        'SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock($1::int4, hashtext($2::text))) AS lock',
        allocationSpace,
        key,
      );
    },
    close: () => pool.end(),
  };
};
