import { pino } from 'pino';
import type { AgentGateway } from '../agents/agent-gateway.js';
import type { ContextUser } from '../auth/context-user.js';
import type { Database } from '../db/database.js';
import { createEventBus, type EventBus } from '../events/event-bus.js';
import { createOperationFeed, type OperationFeed } from '../events/operation-feed.js';
import { createKeyedLock, type KeyedLock } from '../locks/keyed-lock.js';
import { type ClusterAuthority, createClusterAuthority, createClusterCa } from '../pki/cluster-authority.js';
import { createServices } from '../services.js';
import { createCaller } from '../trpc/root.js';
import { createInnerContext } from '../trpc/trpc.js';

export const testAdmin: ContextUser = { id: 'test-alice', name: 'alice', role: 'admin', via: 'session' };
export const testOperator: ContextUser = { id: 'test-olga', name: 'olga', role: 'operator', via: 'session' };
export const testViewer: ContextUser = { id: 'test-victor', name: 'victor', role: 'viewer', via: 'session' };

/**
 * The control plane over a test database and gateway, and its router as each kind of user calls it. The
 * cluster CA is made in memory (nothing on disk to leave behind) only if a test uses it; a test of the CA's
 * files passes one opened in a directory of its own.
 */
export const createTestControlPlane = ({
  db,
  gateway,
  authority = createClusterAuthority({ loadCa: createClusterCa }),
  events = createEventBus(),
  nodeLock = createKeyedLock(),
  operations = createOperationFeed(),
  changeOwner,
}: {
  db: Database;
  gateway: AgentGateway;
  authority?: ClusterAuthority;
  /** A replica's bus and lock on a shared database (locks/coordination.ts); default: this process's own. */
  events?: EventBus;
  nodeLock?: KeyedLock;
  /** A replica's operation feed, given to its bus too (locks/coordination.ts); default: a new one. */
  operations?: OperationFeed;
  /** A replica's owner name for its changes in flight (locks/replica-liveness.ts); default: none. */
  changeOwner?: string;
}) => {
  const deps = {
    db,
    gateway,
    events,
    operations,
    nodeLock,
    logger: pino({ level: 'silent' }),
    authority,
    changeOwner,
  };
  const services = createServices(deps);
  return {
    deps,
    services,
    admin: createCaller(createInnerContext({ services, user: testAdmin })),
    operator: createCaller(createInnerContext({ services, user: testOperator })),
    viewer: createCaller(createInnerContext({ services, user: testViewer })),
    anonymous: createCaller(createInnerContext({ services, user: null })),
  };
};
