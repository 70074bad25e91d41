import { pino } from 'pino';
import type { AgentGateway } from '../agents/agent-gateway.js';
import type { SessionUser } from '../auth/session.js';
import type { Database } from '../db/database.js';
import { createEventBus } from '../events/event-bus.js';
import { createOperationFeed } from '../events/operation-feed.js';
import { createKeyedLock } from '../locks/keyed-lock.js';
import { createServices } from '../services.js';
import { createCaller } from '../trpc/root.js';
import { createInnerContext } from '../trpc/trpc.js';

export const testAdmin: SessionUser = { name: 'alice', role: 'admin' };
export const testViewer: SessionUser = { name: 'victor', role: 'viewer' };

/** The control plane over a test database and gateway, and its router as each kind of user calls it. */
export const createTestControlPlane = ({ db, gateway }: { db: Database; gateway: AgentGateway }) => {
  const deps = {
    db,
    gateway,
    events: createEventBus(),
    operations: createOperationFeed(),
    nodeLock: createKeyedLock(),
    logger: pino({ level: 'silent' }),
  };
  const services = createServices(deps);
  return {
    deps,
    services,
    admin: createCaller(createInnerContext({ services, user: testAdmin })),
    viewer: createCaller(createInnerContext({ services, user: testViewer })),
    anonymous: createCaller(createInnerContext({ services, user: null })),
  };
};
