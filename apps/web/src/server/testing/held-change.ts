import { pino } from 'pino';
import type { AgentConnection, AgentGateway } from '../agents/agent-gateway.js';
import { createTrpcAgentGateway } from '../agents/trpc-agent-gateway.js';
import { createDatabase } from '../db/database.js';
import { createCoordination } from '../locks/coordination.js';
import { createChangeOwner, startReplicaHeartbeat } from '../locks/replica-liveness.js';
import { createTestControlPlane } from './test-services.js';

/**
 * A control-plane process that makes one change and never finishes it: every call of `heldOperation` to
 * an agent is held (never sent, never answered), and the process says so on stdout (`{"held":...}`) so a
 * test can SIGKILL it right there, as a crash in the middle of the change.
 *
 * `node --import tsx held-change.ts DATABASE_URL HELD_OPERATION CHANGE JSON_INPUT [JSON_REPLICA]`, CHANGE
 * being `node.add`, `instance.create` or `instance.delete` (the admin's procedure of that name).
 * JSON_REPLICA (`{"replicaId":"replica-a","ttlMs":3000}`) makes it a replica as runtime.ts starts one: it
 * owns its changes in flight and keeps them alive with its lease, which runs out `ttlMs` after the kill.
 */
const [databaseUrl = '', heldOperation = '', change = '', input = '{}', replicaJson = ''] =
  process.argv.slice(2);
const replica = replicaJson ? (JSON.parse(replicaJson) as { replicaId: string; ttlMs: number }) : undefined;

const real = createTrpcAgentGateway({ timeoutMs: 30_000 });
const gateway: AgentGateway = {
  connect: (target) => {
    const connection = real.connect(target);
    const hold = () => {
      console.log(JSON.stringify({ held: heldOperation, url: target.url }));
      return new Promise<never>(() => undefined);
    };
    return { ...connection, [heldOperation as keyof AgentConnection]: hold };
  },
};

// On PostgreSQL, a replica's advisory locks and bus (they die with the process, as a real replica's do).
const logger = pino({ level: 'silent' });
const { nodeLock, events } = await createCoordination({ databaseUrl, logger });
const db = createDatabase({ databaseUrl });
const changeOwner = replica && createChangeOwner({ replicaId: replica.replicaId });
if (replica && changeOwner)
  await startReplicaHeartbeat({
    db,
    replicaId: replica.replicaId,
    owner: changeOwner,
    ttlMs: replica.ttlMs,
    logger,
  });
const { admin } = createTestControlPlane({ db, gateway, nodeLock, events, changeOwner });
const changes: Record<string, (request: never) => Promise<unknown>> = {
  'node.add': admin.node.add,
  'instance.create': admin.instance.create,
  'instance.delete': admin.instance.delete,
};
const run = changes[change];
if (!run) throw new Error(`unknown change ${change}`);
await run(JSON.parse(input) as never);
console.log(JSON.stringify({ finished: true }));
