import type { Logger } from 'pino';
import type { AgentGateway } from './agents/agent-gateway.js';
import type { Database } from './db/database.js';
import type { EventBus } from './events/event-bus.js';
import type { OperationFeed } from './events/operation-feed.js';
import type { KeyedLock } from './locks/keyed-lock.js';
import type { ClusterAuthority } from './pki/cluster-authority.js';

/** What every service function works with; built once per process (see runtime.ts), or per test. */
export type ServiceDeps = {
  db: Database;
  gateway: AgentGateway;
  events: EventBus;
  /** Every operation as it runs (the agents' and the control plane's own), for the Events page. */
  operations: OperationFeed;
  /** Serializes agent work per node id. */
  nodeLock: KeyedLock;
  logger: Logger;
  /** The cluster CA: signs agent certificates, and the control plane's own. */
  authority: ClusterAuthority;
  /**
   * The name this process owns the changes it has in flight under (locks/replica-liveness.ts), so a
   * surviving replica resumes them only once this process is gone. Unset (a test's control plane): they
   * have no owner, and only a control plane starting on the database resumes them.
   */
  changeOwner?: string;
};
