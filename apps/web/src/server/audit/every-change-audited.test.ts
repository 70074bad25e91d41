import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSessionToken, startSession } from '../auth/sessions.js';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { findApiTokenUser } from '../tokens/api-token-user.js';
import { appRouter, createCaller } from '../trpc/root.js';
import { createInnerContext } from '../trpc/trpc.js';
import { createUserWithPassword } from '../users/manage-users.js';

type ProcedureType = 'query' | 'mutation' | 'subscription';

/** Every mutation of the router, as the access test lists procedures: a new one is in this list at once. */
const mutations = Object.entries(
  // Flat at run time, one entry per dotted path (the type describes the nested routers).
  appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureType } }>,
)
  .filter(([, procedure]) => procedure._def.type === 'mutation')
  .map(([path]) => path)
  .sort();

const fake = createFakeAgentGateway();
const agent = fake.addAgent({ nodeId: 'node1' });

/** What each step remembers for the next ones (the ids the control plane gave). */
const made: { joinTokenId?: string; apiTokenId?: string; userId?: string; sessionId?: string } = {};
const alicePassword = 'alice-password-1';

/**
 * Each mutation with a valid input, in an order where each can do its work on a one-node cluster of fake
 * agents (the services are tested elsewhere; here only who is recorded matters). `remember` keeps an id.
 */
const steps: {
  path: string;
  input: () => unknown;
  remember?: (result: unknown) => void;
  /** A refusal is audited too: this step is refused (the one-node cluster cannot do it), and that is checked. */
  refusal?: RegExp;
}[] = [
  { path: 'cluster.updateSettings', input: () => ({ clusterCidr: '10.1.0.0/16', nodePrefixLength: 24 }) },
  {
    path: 'joinToken.create',
    input: () => ({ description: 'audit proof' }),
    remember: (result) => {
      made.joinTokenId = (result as { id: string }).id;
    },
  },
  { path: 'joinToken.revoke', input: () => ({ id: made.joinTokenId }) },
  {
    path: 'node.add',
    input: () => ({ agentUrl: agent.url, agentToken: agent.token, externalIpAddr: '198.51.100.11' }),
  },
  { path: 'node.check', input: () => ({ nodeId: 'node1' }) },
  { path: 'node.retry', input: () => ({ nodeId: 'node1' }) },
  // A node added with a bearer token has no certificate to rotate: the refusal is what is audited.
  { path: 'nodeCredentials.rotate', input: () => ({ nodeId: 'node1' }), refusal: /has no certificate/ },
  {
    path: 'instance.create',
    input: () => ({ nodeId: 'node1', instanceId: 'web-1', ports: [{ hostPort: 8080, instancePort: 80 }] }),
  },
  {
    path: 'portMapping.set',
    input: () => ({ instanceId: 'web-1', ports: [{ hostPort: 8081, instancePort: 80 }] }),
  },
  { path: 'inspection.reconcile', input: () => ({ nodeId: 'node1' }) },
  { path: 'inspection.cleanOrphans', input: () => ({ nodeId: 'node1', dryRun: false }) },
  { path: 'instance.delete', input: () => ({ instanceId: 'web-1' }) },
  { path: 'node.remove', input: () => ({ nodeId: 'node1', force: true }) },
  // A token makes no tokens; it may revoke one (here the one it came through, so it is the last step).
  {
    path: 'token.create',
    input: () => ({ name: 'second', expiresInDays: 1, scope: 'read' }),
    refusal: /cannot make API tokens/,
  },
  {
    path: 'user.invite',
    input: () => ({ name: 'bob', role: 'operator' }),
    remember: (result) => {
      made.userId = (result as { user: { id: string } }).user.id;
    },
  },
  { path: 'user.changeRole', input: () => ({ userId: made.userId, role: 'viewer' }) },
  { path: 'user.setDisabled', input: () => ({ userId: made.userId, disabled: true }) },
  { path: 'session.end', input: () => ({ sessionId: made.sessionId }) },
  { path: 'session.endOwn', input: () => undefined },
  {
    path: 'user.changeOwnPassword',
    input: () => ({ currentPassword: alicePassword, newPassword: 'alice-password-2' }),
  },
  { path: 'token.revoke', input: () => ({ id: made.apiTokenId }) },
];

/**
 * The audit log names who made every change: each mutation of the router, called through an admin's API
 * token, leaves an audit entry whose actor is the user and the token ("alice (token audit-proof)"), whether
 * the change succeeded or not. A mutation added without an audit entry (or without a step here) fails.
 */
describe('every change is in the audit log under its real user and token', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let call: (path: string, input: unknown) => Promise<unknown>;

  beforeAll(async () => {
    database = await createTestDatabase();
    const plane = createTestControlPlane({ db: database.db, gateway: fake.gateway });
    const alice = await createUserWithPassword({
      deps: plane.deps,
      name: 'alice',
      role: 'admin',
      password: alicePassword,
    });
    const session = await startSession({ db: database.db, userId: alice.id, ttlSeconds: 3600 });
    made.sessionId = hashSessionToken(session.token);
    const { secret, id } = await plane.services.tokens.create({
      owner: { id: alice.id, name: alice.name, role: 'admin', via: 'session' },
      request: { name: 'audit-proof', expiresInDays: 1, scope: 'write' },
    });
    made.apiTokenId = id;
    const lookup = await findApiTokenUser({ db: database.db, authorization: `Bearer ${secret}` });
    if (lookup.kind !== 'user') throw new Error(`the token was not accepted: ${JSON.stringify(lookup)}`);
    const caller = createCaller(createInnerContext({ services: plane.services, user: lookup.user }));
    call = (path, input) => {
      const procedure = path
        .split('.')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
      return (procedure as (input: unknown) => Promise<unknown>)(input);
    };
  });
  afterAll(async () => {
    await database?.remove();
  });

  it('has a step for every mutation of the router, and for nothing else', () => {
    expect(steps.map(({ path }) => path).sort()).toEqual(mutations);
  });

  it.each(steps.map((step) => [step.path, step] as const))(
    '%s names alice and her token',
    async (_, step) => {
      const before = await database.db.auditEntry.aggregate({ _max: { id: true } });
      const outcome = await call(step.path, step.input()).then(
        (result) => {
          step.remember?.(result);
          return 'ok';
        },
        (error: unknown) => `refused: ${error instanceof Error ? error.message : String(error)}`,
      );
      expect(outcome).toMatch(step.refusal ?? /^ok$/);
      const entries = await database.db.auditEntry.findMany({
        where: { id: { gt: before._max.id ?? 0 } },
        select: { actor: true, action: true, result: true },
      });
      expect(
        entries.filter(({ actor }) => actor === 'alice (token audit-proof)'),
        `${step.path} (${outcome}) wrote ${JSON.stringify(entries)}`,
      ).not.toEqual([]);
    },
  );
});
