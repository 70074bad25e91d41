import { type Env, readEnv } from '../env.js';
import { createTrpcAgentGateway } from './agents/trpc-agent-gateway.js';
import { createDatabase } from './db/database.js';
import { runMigrations } from './db/run-migrations.js';
import { createOperationFeed } from './events/operation-feed.js';
import { createCoordination } from './locks/coordination.js';
import { createMonitorDuty } from './locks/lease.js';
import { createChangeOwner, startReplicaHeartbeat } from './locks/replica-liveness.js';
import { createLogger } from './logger.js';
import { isSerialNumberRevoked } from './pki/agent-certificates.js';
import { openClusterAuthority } from './pki/cluster-authority.js';
import { readRevocationEpoch } from './pki/revocation-epoch.js';
import { createServices, type Services } from './services.js';
import { describeNoUsers } from './users/describe-users.js';
import { prepareUsers } from './users/user-setup.js';

type Runtime = { env: Env; services: Services; stop: () => Promise<void> };

/**
 * The process's one control plane: environment read, database migrated, services built, health monitor
 * running, every agent's event stream followed. Kept on globalThis so Next.js's development reloads reuse it instead of opening another.
 */
const startRuntime = async (): Promise<Runtime> => {
  const env = readEnv();
  const logger = createLogger({ level: env.LOG_LEVEL });
  // KUDO_MIGRATIONS_DIR: the packaged control plane's copy; unset: the provider's directory in the repository.
  await runMigrations({ databaseUrl: env.databaseUrl, directory: env.KUDO_MIGRATIONS_DIR });
  const db = createDatabase({ databaseUrl: env.databaseUrl });
  // This replica's operation feed (the Events page): its own operations, and the other replicas' (the bus).
  const operations = createOperationFeed();
  const { nodeLock, events } = await createCoordination({
    databaseUrl: env.databaseUrl,
    logger,
    onRemoteOperation: (change) => operations.publishControlPlaneChange({ change }),
  });
  const authority = openClusterAuthority({ directory: env.dataDir });
  const users = await prepareUsers({
    db,
    dataDir: env.dataDir,
    adminPassword: env.KUDO_ADMIN_PASSWORD,
    viewerPassword: env.KUDO_VIEWER_PASSWORD,
  });
  if (users.migrated.length + users.seeded.length > 0)
    logger.info({ migrated: users.migrated, seeded: users.seeded }, 'dashboard users prepared');
  if (!users.hasUsers) logger.warn(describeNoUsers({ command: 'npm run web --' }));
  // Replicas on PostgreSQL: the one holding the monitor's lease checks the nodes and resumes what a stopped
  // control plane left; the others take over once it stops renewing (three intervals, at least 30 s). A
  // change in flight is owned by its process, alive while it renews its own lease (as long): a survivor
  // resumes it only once that lease ran out (locks/replica-liveness.ts).
  const leaseTtlMs = Math.max(30_000, 3 * env.KUDO_HEALTH_INTERVAL_MS);
  const changeOwner = createChangeOwner({ replicaId: env.replicaId });
  const heartbeat = await startReplicaHeartbeat({
    db,
    replicaId: env.replicaId,
    owner: changeOwner,
    ttlMs: leaseTtlMs,
    logger,
  });
  const services = createServices({
    db,
    gateway: createTrpcAgentGateway({
      timeoutMs: env.KUDO_AGENT_TIMEOUT_MS,
      tls: {
        readClientCredentials: authority.readClientCredentials,
        isRevoked: (serialNumber) => isSerialNumberRevoked({ db, serialNumber }),
        // Alone on SQLite, every revocation is written by this process: a kept-alive agent connection is
        // looked up again only after one. Replicas on PostgreSQL look up before every request.
        readRevocationEpoch: env.databaseProvider === 'sqlite' ? readRevocationEpoch : undefined,
      },
    }),
    events,
    operations,
    nodeLock,
    logger,
    authority,
    changeOwner,
  });
  const duty = createMonitorDuty({
    db,
    databaseUrl: env.databaseUrl,
    holder: env.replicaId,
    ttlMs: leaseTtlMs,
  });
  // Pending changes (an interrupted addition, creation or deletion) are run by the monitor's first check.
  if (await duty.isOnDuty()) await services.resumeInterruptedChanges();
  const monitor =
    env.KUDO_HEALTH_INTERVAL_MS > 0
      ? services.startHealthMonitor({ intervalMs: env.KUDO_HEALTH_INTERVAL_MS, isOnDuty: duty.isOnDuty })
      : undefined;
  const relay = services.startEventRelay();
  const renewal = services.startCertificateRenewal({ intervalMs: 3_600_000 });
  const scraper =
    env.KUDO_METRICS_INTERVAL_MS > 0
      ? services.metrics.startScraper({ intervalMs: env.KUDO_METRICS_INTERVAL_MS })
      : undefined;
  logger.info(
    { database: env.databaseUrl, healthIntervalMs: env.KUDO_HEALTH_INTERVAL_MS },
    'control plane started',
  );
  return {
    env,
    services,
    stop: async () => {
      await Promise.all([monitor?.stop(), relay.stop(), renewal.stop(), scraper?.stop()]);
      await Promise.all([duty.leave(), heartbeat.stop()]);
      await Promise.all([nodeLock.close(), events.close()]);
      await db.$disconnect();
    },
  };
};

const holder = globalThis as typeof globalThis & { kudoRuntime?: Promise<Runtime> };

export const getRuntime = () => {
  holder.kudoRuntime ??= startRuntime().catch((error: unknown) => {
    holder.kudoRuntime = undefined;
    throw error;
  });
  return holder.kudoRuntime;
};

export const getServices = async () => (await getRuntime()).services;
