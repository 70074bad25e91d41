import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotKernel } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createAgentClient, toAgentErrorData } from './client.js';
import { collectEvents, createScratch, createTestToken, toLabAgentArgs } from './testing/agent-harness.js';
import { type AgentProcess, runExampleScript, spawnAgentProcess } from './testing/agent-process.js';

/** The real CLI, started as `npm run agent` starts it, in its own process, acting in a lab node. */
describeWithNamespaces('agent process (the CLI)', () => {
  const getLab = useTestLab({ nodeCount: 1 });
  const token = createTestToken();
  let scratch: Awaited<ReturnType<typeof createScratch>>;
  const running: AgentProcess[] = [];

  const spawnAgent = (args: readonly string[], env?: Record<string, string>) => {
    const agent = spawnAgentProcess({ args, ...(env ? { env } : {}) });
    running.push(agent);
    return agent;
  };
  const labArgs = ({ port = 0 }: { port?: number } = {}) =>
    toLabAgentArgs({
      namespace: getLab().nodes[0]?.namespace ?? '',
      scratch,
      port,
    });

  beforeAll(async () => {
    scratch = await createScratch({ token });
  });

  afterEach(async () => {
    for (const agent of running.splice(0)) {
      agent.child.kill('SIGKILL');
      await agent.exited;
    }
  });

  afterAll(async () => {
    await scratch?.remove();
  });

  it('serves the lab node with the token from its file, stops on SIGTERM, and never logs the token', async () => {
    const agent = spawnAgent(labArgs());
    const url = await agent.listening;
    const client = createAgentClient({ url, token });
    const health = await client.health.query();
    expect(health).toMatchObject({
      nodeId: 'node1',
      hostNamespace: getLab().nodes[0]?.namespace,
      bootId: 'boot-1',
    });

    const { interfaceName } = await client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24' });
    const namespace = getLab().nodes[0]?.namespace ?? '';
    const snapshot = await snapshotKernel({ namespace });
    expect(snapshot.links.find((link) => link.name === interfaceName)?.addresses).toEqual(['10.0.0.1/24']);

    const wrong = await createAgentClient({ url, token: createTestToken() })
      .cleanNode.mutate({ nodeId: 'node1' })
      .catch((error: unknown) => toAgentErrorData(error).code);
    expect(wrong).toBe('UNAUTHORIZED');

    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(agent.getStdout()).toContain('"msg":"agent stopped"');
    expect(agent.getStdout()).toContain('"msg":"operation finished"');
    expect(agent.getStdout()).toContain('request refused');
    expect(`${agent.getStdout()}${agent.getStderr()}`).not.toContain(token);
    expect(await snapshotKernel({ namespace })).toEqual(snapshot);
  });

  it('a killed agent is unreachable; restarted on its port, a subscribed client reconnects and gets new events', {
    timeout: 120_000,
  }, async () => {
    const first = spawnAgent(labArgs());
    const url = await first.listening;
    const port = Number(new URL(url).port);
    const client = createAgentClient({ url, token });
    const stream = collectEvents({ client });
    try {
      await client.setupIptables.mutate({ nodeId: 'node1' });
      await stream.waitFor((events) => events.some((event) => event.phase === 'finished'));

      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const down = await client.health.query().catch((error: unknown) => toAgentErrorData(error).code);
      expect(down).toBe('UNREACHABLE');

      const second = spawnAgent(labArgs({ port }));
      expect(await second.listening).toBe(url);
      await createAgentClient({ url, token }).setupIptables.mutate({ nodeId: 'node1' });
      await stream.waitFor((events) => events.filter((event) => event.phase === 'finished').length >= 2);
      const epochs = new Set(stream.events.map((event) => event.id.split('-')[0]));
      expect(epochs.size).toBe(2);
      expect(stream.events.map(({ operation, phase }) => `${operation} ${phase}`)).toEqual([
        'setupIptables started',
        'setupIptables finished',
        'setupIptables started',
        'setupIptables finished',
      ]);
    } finally {
      stream.stop();
    }
    await createAgentClient({ url, token }).cleanNode.mutate({ nodeId: 'node1' });
  });

  it('the README example script sets up a node and an instance through the agent', async () => {
    const agent = spawnAgent(labArgs());
    const url = await agent.listening;
    const result = await runExampleScript({ name: 'setup-instance.ts', args: [url, scratch.tokenFile] });
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const client = createAgentClient({ url, token });
    const { namespaceName } = await client.getNamespaceName.query({ instanceId: 'web-1' });
    expect(result.stdout).toContain(`web-1: namespace ${namespaceName}`);
    const actual = await client.inspect.query({ nodeId: 'node1' });
    expect(actual.instances.map(({ instanceId, portMappings }) => ({ instanceId, portMappings }))).toEqual([
      { instanceId: 'web-1', portMappings: [expect.objectContaining({ hostPort: 8080, instancePort: 80 })] },
    ]);
    await client.cleanInstance.mutate({ instanceId: 'web-1' });
    await client.cleanNode.mutate({ nodeId: 'node1' });
  });

  it.each([
    ['no token at all', [], 'no token configured'],
    [
      '--insecure listening beyond loopback',
      ['--insecure', '--listen', '0.0.0.0'],
      'only listens on loopback',
    ],
    ['an unknown option', ['--token', 'x'], "Unknown option '--token'"],
  ])('refuses to start with %s', async (_, extra, message) => {
    const agent = spawnAgent(['--node-id', 'node1', '--port', '0', ...extra]);
    expect(await agent.exited).toBe(2);
    expect(agent.getStderr()).toContain(message);
    expect(agent.getStdout()).not.toContain('agent listening');
  });

  it('refuses a token file that others may read', async () => {
    const loose = join(scratch.directory, 'loose-token');
    await writeFile(loose, token);
    await chmod(loose, 0o644);
    const agent = spawnAgent(['--node-id', 'node1', '--port', '0', '--token-file', loose]);
    expect(await agent.exited).toBe(2);
    expect(agent.getStderr()).toContain('chmod 600');
  });

  it('takes the token from KUDO_AGENT_TOKEN when no file is given', async () => {
    const agent = spawnAgent(['--node-id', 'node1', '--port', '0'], { KUDO_AGENT_TOKEN: token });
    const url = await agent.listening;
    expect((await createAgentClient({ url, token }).health.query()).nodeId).toBe('node1');
  });
});
