import type { Logger } from 'pino';
import { toDatabaseProvider } from '../../env.js';
import { createEventBus, type EventBus } from '../events/event-bus.js';
import type { ControlPlaneChange } from '../events/operation-view.js';
import { createPostgresEventBus } from '../events/postgres-event-bus.js';
import { createKeyedLock, type KeyedLock } from './keyed-lock.js';
import { createPostgresLock } from './postgres-lock.js';

/**
 * What control planes sharing a database must agree on: the per-node lock (with the allocation lock) and
 * the live event bus. SQLite: one control plane, in-process. PostgreSQL: advisory locks and LISTEN/NOTIFY,
 * so any number of replicas may serve the same cluster.
 */
export const createCoordination = async ({
  databaseUrl,
  logger,
  onRemoteOperation,
}: {
  databaseUrl: string;
  logger: Logger;
  /** Where the steps of operations other replicas run go (this process's operation feed). */
  onRemoteOperation?: (change: ControlPlaneChange) => void;
}): Promise<{ nodeLock: KeyedLock; events: EventBus }> =>
  toDatabaseProvider(databaseUrl) === 'postgresql'
    ? {
        nodeLock: createPostgresLock({ databaseUrl }),
        events: await createPostgresEventBus({ databaseUrl, logger, onRemoteOperation }),
      }
    : { nodeLock: createKeyedLock(), events: createEventBus() };
