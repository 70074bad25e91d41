import { snapshotKernel } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentError } from './errors.js';
import { agentRouter } from './router.js';
import { startAgent } from './start-agent.js';
import { createScratch, createTestToken, startLabAgent, toLabAgentArgs } from './testing/agent-harness.js';
import { spawnAgentProcess } from './testing/agent-process.js';

/** Every procedure of the agent, by name (the router is flat: names are netcore's operations). */
const procedureNames = Object.keys(agentRouter._def.procedures);

/**
 * Two agents of one cluster, each with its own token: the token of one node opens nothing on the other,
 * nor do near misses of the right token or the token carried anywhere but the Authorization header.
 * Nothing changes on the node, and no log line of either agent holds either token.
 */
describeWithNamespaces('agent access between nodes', () => {
  const lab = useTestLab({ nodeCount: 2 });
  const tokens = { node1: createTestToken(), node2: createTestToken() };
  let scratch: Awaited<ReturnType<typeof createScratch>>;
  let node1: Awaited<ReturnType<typeof startLabAgent>>;
  let node2: Awaited<ReturnType<typeof startLabAgent>>;

  beforeAll(async () => {
    scratch = await createScratch({ token: tokens.node1 });
    node1 = await startLabAgent({
      lab: lab(),
      nodeName: 'node1',
      token: tokens.node1,
      bootIdFile: scratch.bootIdFile,
    });
    node2 = await startLabAgent({
      lab: lab(),
      nodeName: 'node2',
      token: tokens.node2,
      bootIdFile: scratch.bootIdFile,
    });
    await node1.client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24' });
    await node1.client.setupInstance.mutate({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'web-1',
      instanceIpCidr: '10.0.0.2/24',
      ports: [{ hostPort: 80, instancePort: 8080 }],
    });
  });
  afterAll(async () => {
    try {
      await node1?.agent.close();
      await node2?.agent.close();
    } finally {
      await scratch?.remove();
    }
  });

  it("refuses another node's token, and every near miss of its own, on every route (401), changing nothing", {
    timeout: 120_000,
  }, async () => {
    expect(procedureNames.length).toBeGreaterThanOrEqual(15);
    const before = await snapshotKernel({ namespace: node1.node.namespace });
    const basic = Buffer.from(`admin:${tokens.node1}`).toString('base64');
    const refused: { name: string; headers: Record<string, string>; query?: string }[] = [
      { name: "node2's token", headers: { authorization: `Bearer ${tokens.node2}` } },
      { name: 'no token', headers: {} },
      { name: 'one character more', headers: { authorization: `Bearer ${tokens.node1}0` } },
      { name: 'one character less', headers: { authorization: `Bearer ${tokens.node1.slice(0, -1)}` } },
      { name: 'upper case', headers: { authorization: `Bearer ${tokens.node1.toUpperCase()}` } },
      { name: 'two tokens', headers: { authorization: `Bearer ${tokens.node2} ${tokens.node1}` } },
      { name: 'without the scheme', headers: { authorization: tokens.node1 } },
      { name: 'basic scheme', headers: { authorization: `Basic ${basic}` } },
      { name: 'in a cookie', headers: { cookie: `token=${tokens.node1}` } },
      { name: 'in the query', headers: {}, query: `?token=${tokens.node1}&access_token=${tokens.node1}` },
    ];
    const routes = [
      ...procedureNames.flatMap((name) => [
        {
          path: `/trpc/${name}`,
          method: 'POST',
          body: JSON.stringify({ nodeId: 'node1', instanceId: 'web-1' }),
        },
        { path: `/trpc/${name}`, method: 'GET' },
      ]),
      { path: '/metrics', method: 'GET' },
      { path: '/', method: 'GET' },
    ];
    let refusals = 0;
    for (const { name, headers, query = '' } of refused)
      for (const { path, method, body } of routes) {
        const response = await fetch(`${node1.agent.url}${path}${query}`, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(body ? { body } : {}),
        });
        const text = await response.text();
        expect({ name, path, method, status: response.status }).toEqual({ name, path, method, status: 401 });
        expect(text).not.toContain(tokens.node1);
        refusals += 1;
      }
    console.log(`[access] ${refusals} requests with a wrong token refused by node1's agent`);
    expect(await snapshotKernel({ namespace: node1.node.namespace })).toEqual(before);
    // The right tokens still work, each on its own node.
    expect((await node1.client.health.query()).nodeId).toBe('node1');
    expect((await node2.client.health.query()).nodeId).toBe('node2');
    for (const lines of [node1.logLines, node2.logLines])
      for (const token of Object.values(tokens))
        expect(lines.filter((line) => line.includes(token))).toEqual([]);
    expect(node1.logLines.filter((line) => line.includes('request refused'))).toHaveLength(refusals);
  });

  it('listens on loopback unless told otherwise, and never without a token beyond it', async () => {
    expect(new URL(node1.agent.url).hostname).toBe('127.0.0.1');
    const cli = spawnAgentProcess({
      args: toLabAgentArgs({ namespace: node1.node.namespace, scratch, hasBootIdFile: false }),
    });
    try {
      expect(new URL(await cli.listening).hostname).toBe('127.0.0.1');
    } finally {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
    const unsafe = await startAgent({ nodeId: 'node1', port: 0, host: '0.0.0.0', insecure: true }).catch(
      (error: unknown) => error,
    );
    expect(unsafe).toBeInstanceOf(AgentError);
    expect(unsafe).toMatchObject({ code: 'UNSAFE_LISTEN' });
  });
});
