import pg from 'pg';
import type { Logger } from 'pino';
import { type ClusterEvent, createLocalFanOut, type EventBus } from './event-bus.js';

const channel = 'kudo_cluster_events';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more: a long error is cut to fit. */
const maxErrorLength = 2000;

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
 */
export const createPostgresEventBus = async ({
  databaseUrl,
  logger,
}: {
  databaseUrl: string;
  logger: Logger;
}): Promise<EventBus> => {
  const fanOut = createLocalFanOut();
  const publisher = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  publisher.on('error', (error) =>
    logger.warn({ error: error.message }, 'event bus: publisher connection lost'),
  );
  let listener: pg.Client | undefined;
  let isClosed = false;

  const connectListener = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    client.on('notification', ({ payload }) => {
      if (payload) fanOut.deliver(fromPayload(payload));
    });
    client.on('error', (error) => {
      logger.warn({ error: error.message }, 'event bus: LISTEN connection lost, opening it again');
      void client.end().catch(() => undefined);
      if (!isClosed) setTimeout(() => void connectListener().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${channel}`);
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
    close: async () => {
      isClosed = true;
      await Promise.all([listener?.end(), publisher.end()]);
    },
  };
};
