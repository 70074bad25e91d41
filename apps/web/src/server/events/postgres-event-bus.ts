import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { type ClusterEvent, createLocalFanOut, type EventBus } from './event-bus.js';
import type { ControlPlaneChange } from './operation-view.js';

const channel = 'kudo_cluster_events';
const operationsChannel = 'kudo_operations';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: a long error is cut to fit. */
const maxErrorLength = 2000;

/** A step of an operation as it travels between replicas: from which one, with a failure's reason cut to fit. */
const toOperationPayload = ({ origin, change }: { origin: string; change: ControlPlaneChange }) =>
  JSON.stringify({
    origin,
    change:
      change.phase === 'failed'
        ? { ...change, error: { ...change.error, reason: change.error.reason.slice(0, maxErrorLength) } }
        : change,
  });

const toPayload = (event: ClusterEvent) =>
  JSON.stringify({ ...event, error: event.error === null ? null : event.error.slice(0, maxErrorLength) });

const fromPayload = (payload: string): ClusterEvent => {
  const event = JSON.parse(payload) as ClusterEvent & { at: string };
  return { ...event, at: new Date(event.at) };
};

/**
 * Cluster events across every control plane on one PostgreSQL database: `publish` is a NOTIFY (sent after
 * the audit entry committed), and one LISTEN connection per process hands each notification, its own
 * included, to this process's subscribers. So a browser subscribed to replica B sees a change made through
 * replica A. A lost LISTEN connection is opened again; the audit log stays the durable record (a browser
 * resumes from its last event id).
 * The steps of the operations a replica runs (the Events page's progress) travel the same way on a channel
 * of their own, sent one after the other (so they arrive in order), and reach `onRemoteOperation` in every
 * other replica (each has its own in-memory feed; the one running the operation fed its own already).
 */
export const createPostgresEventBus = async ({
  databaseUrl,
  logger,
  onRemoteOperation = () => {},
}: {
  databaseUrl: string;
  logger: Logger;
  onRemoteOperation?: (change: ControlPlaneChange) => void;
}): Promise<EventBus> => {
  const origin = randomUUID();
  let operationsSent: Promise<unknown> = Promise.resolve();
  const fanOut = createLocalFanOut();
  const publisher = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  publisher.on('error', (error) =>
    logger.warn({ error: error.message }, 'event bus: publisher connection lost'),
  );
  let listener: pg.Client | undefined;
  let isClosed = false;

  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('notification', ({ channel: from, payload }) => {
      if (!payload) return;
      if (from === channel) return fanOut.deliver(fromPayload(payload));
      const shared = JSON.parse(payload) as { origin: string; change: ControlPlaneChange };
      if (shared.origin !== origin) onRemoteOperation(shared.change);
    });
    client.on('error', (error) => {
      logger.warn({ error: error.message }, 'event bus: LISTEN connection lost, opening it again');
      void client.end().catch(() => undefined);
      if (!isClosed) setTimeout(() => void connectListener().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${channel}`);
    await client.query(`LISTEN ${operationsChannel}`);
    listener = client;
  };
  await connectListener();

  return {
    publish: (event) => {
      publisher.query('SELECT pg_notify($1, $2)', [channel, toPayload(event)]).catch((error: Error) => {
        logger.warn({ error: error.message, eventId: event.id }, 'event bus: could not notify');
      });
    },
    listen: fanOut.listen,
    shareOperation: (change) => {
      operationsSent = operationsSent
        .then(() =>
          publisher.query('SELECT pg_notify($1, $2)', [
            operationsChannel,
            toOperationPayload({ origin, change }),
          ]),
        )
        .catch((error: Error) => {
          logger.warn(
            { error: error.message, operationId: change.operationId },
            'event bus: could not share',
          );
        });
    },
    close: async () => {
      isClosed = true;
      await operationsSent;
      await Promise.all([listener?.end(), publisher.end()]);
    },
  };
};
