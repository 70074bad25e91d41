import { toDatabaseProvider } from '../../env.js';
import { type Database, readUniqueViolation } from '../db/database.js';

/**
 * Takes or renews the lease `name` for `holder` until `now + ttlMs`: true if `holder` has it now (it was
 * free, expired, or already its own), false while another replica holds it. One conditional update (or
 * the first insert), so two replicas claiming at once never both get it.
 */
export const claimLease = async ({
  db,
  name,
  holder,
  ttlMs,
  now = new Date(),
}: {
  db: Database;
  name: string;
  holder: string;
  ttlMs: number;
  now?: Date;
}) => {
  const expiresAt = new Date(now.getTime() + ttlMs);
  const { count } = await db.controlPlaneLease.updateMany({
    where: { name, OR: [{ holder }, { expiresAt: { lt: now } }] },
    data: { holder, expiresAt },
  });
  if (count > 0) return true;
  try {
    await db.controlPlaneLease.create({ data: { name, holder, expiresAt } });
    return true;
  } catch (error) {
    if (readUniqueViolation(error)) return false;
    throw error;
  }
};

/** Gives the lease up at once (a replica stopping cleanly), if `holder` has it. */
export const releaseLease = async ({ db, name, holder }: { db: Database; name: string; holder: string }) => {
  await db.controlPlaneLease.deleteMany({ where: { name, holder } });
};

/**
 * The health monitor's duty (health checks, pending changes, recovery at start) for one replica at a time:
 * `isOnDuty()` claims or renews the lease (each monitor tick); a replica that stops renewing loses it after
 * `ttlMs` and another takes over. SQLite has one control plane: always on duty.
 */
export const createMonitorDuty = ({
  db,
  databaseUrl,
  holder,
  ttlMs,
}: {
  db: Database;
  databaseUrl: string;
  holder: string;
  ttlMs: number;
}) => {
  const name = 'health-monitor';
  if (toDatabaseProvider(databaseUrl) === 'sqlite')
    return { isOnDuty: async () => true, leave: async () => {} };
  return {
    isOnDuty: () => claimLease({ db, name, holder, ttlMs }),
    leave: () => releaseLease({ db, name, holder }),
  };
};
