import type { AgentGateway } from '../agents/agent-gateway.js';
import { createTestDatabase } from './test-database.js';
import { createTestControlPlane } from './test-services.js';

/** A fake agent to add as a node (by default at 198.51.100.11, .12, … in the order given). */
type FakeNode = { url: string; token: string; externalIpAddr?: string; name?: string };

/**
 * The control plane over a fresh test database and a fake gateway, with `nodes` added in order. The test
 * removes the database when it is done (`database.remove()`).
 */
export const createFakeAgentPlane = async ({
  gateway,
  nodes = [],
}: {
  gateway: AgentGateway;
  nodes?: readonly FakeNode[];
}) => {
  const database = await createTestDatabase();
  const plane = createTestControlPlane({ db: database.db, gateway });
  for (const [index, { url, token, externalIpAddr = `198.51.100.${11 + index}`, name }] of nodes.entries())
    await plane.admin.node.add({
      agentUrl: url,
      agentToken: token,
      externalIpAddr,
      ...(name ? { name } : {}),
    });
  return { database, plane };
};

export type FakeAgentPlane = Awaited<ReturnType<typeof createFakeAgentPlane>>;
