import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { describeError } from '../errors/web-error.js';
import { claimLease, releaseLease } from './lease.js';

/**
 * Which control-plane processes are alive, so that a change in flight (an instance being created or deleted,
 * a node being added) is resumed by a survivor only once the process making it is gone, never while it
 * still works on it. Each process owns its changes under a name of its own, its replica id and an
 * incarnation (`replica-a#1f2e3d4c`), and holds the lease `replica:<replica id>` with that name as holder,
 * renewed a few times per `ttlMs`. A change whose owner holds no live lease is an orphan.
 */
const toLeaseName = (replicaId: string) => `replica:${replicaId}`;

/** The name this process owns its changes under: its replica id and a new incarnation. */
export const createChangeOwner = ({ replicaId }: { replicaId: string }) =>
  `${replicaId}#${randomUUID().slice(0, 8)}`;

/** The owners of every replica alive at `now` (their lease not expired). */
export const readLiveOwners = async ({ db, now = new Date() }: { db: Database; now?: Date }) =>
  (
    await db.controlPlaneLease.findMany({
      where: { name: { startsWith: 'replica:' }, expiresAt: { gte: now } },
      select: { holder: true },
    })
  ).map(({ holder }) => holder);

/**
 * Announces this process alive as `owner` and keeps it so (every `ttlMs / 3`) until `stop()`, which gives
 * the lease up (its unfinished changes become orphans at once). The replica id's lease is taken over at
 * start even if unexpired: a replica id names one running process, so its previous incarnation is dead, and
 * what it left in flight is resumed without waiting for the lease to run out.
 */
export const startReplicaHeartbeat = async ({
  db,
  replicaId,
  owner,
  ttlMs,
  logger,
}: {
  db: Database;
  replicaId: string;
  owner: string;
  ttlMs: number;
  logger: Logger;
}) => {
  const name = toLeaseName(replicaId);
  const expiresAt = new Date(Date.now() + ttlMs);
  await db.controlPlaneLease.upsert({
    where: { name },
    create: { name, holder: owner, expiresAt },
    update: { holder: owner, expiresAt },
  });
  const renew = async () => {
    try {
      if (!(await claimLease({ db, name, holder: owner, ttlMs })))
        logger.error({ replicaId, owner }, 'another process took this replica id: two replicas share it');
    } catch (error) {
      logger.warn({ replicaId, error: describeError(error) }, 'replica heartbeat failed');
    }
  };
  const timer = setInterval(() => void renew(), Math.max(100, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await releaseLease({ db, name, holder: owner });
    },
  };
};
