import pg from 'pg';
import { createQueues, type KeyedLock } from './keyed-lock.js';

/** The two advisory-lock spaces (the first key of pg_advisory_lock(int, int)); the second is hashtext(key). */
const nodeWorkSpace = 0x6b64_0001;
const allocationSpace = 0x6b64_0002;

/**
 * The lock of control planes sharing one PostgreSQL database: work on a node holds a session advisory lock
 * on a connection of its own (queued in this process first, so waiting work holds no connection), and an
 * allocating transaction takes a transaction advisory lock, released at its commit or rollback. Two
 * replicas never give out the same address or host port, and never work on one node at once. A replica that
 * dies loses its connections, and with them its locks.
 */
export const createPostgresLock = ({ databaseUrl }: { databaseUrl: string }): KeyedLock => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  pool.on('error', () => undefined); // an idle connection lost: the next connect opens another
  const queue = createQueues();
  return {
    run: ({ key, work }) =>
      queue({
        key,
        work: async () => {
          const client = await pool.connect();
          let isLocked = false;
          try {
            await client.query('SELECT pg_advisory_lock($1::int4, hashtext($2::text))', [nodeWorkSpace, key]);
            isLocked = true;
            return await work();
          } finally {
            if (isLocked)
              await client
                .query('SELECT pg_advisory_unlock($1::int4, hashtext($2::text))', [nodeWorkSpace, key])
                .catch(() => undefined);
            client.release();
          }
        },
      }),
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
