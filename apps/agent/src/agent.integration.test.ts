import { writeFile } from 'node:fs/promises';
import { listNamespaces } from '@kudo/netcore/lab';
import { ping, request, snapshotKernel, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgentClient, toAgentErrorData } from './client.js';
import {
  collectEvents,
  createScratch,
  createTestToken,
  fetchMetrics,
  listRuleLines,
  readMetric,
  saveIptables,
  startLabAgent,
  summarizeEvents,
} from './testing/agent-harness.js';

/**
 * One agent in this process acting in lab node1, driven through the typed client over loopback HTTP.
 * The tests run in order on the same node: each starts from what the previous one left.
 */
describeWithNamespaces('agent acting in a lab node', () => {
  const getLab = useTestLab({ nodeCount: 2 });
  const token = createTestToken();
  let harness: Awaited<ReturnType<typeof startLabAgent>>;
  let scratch: Awaited<ReturnType<typeof createScratch>>;
  let stream: ReturnType<typeof collectEvents>;
  const node1Addr = '198.51.100.11';

  const getNamespace = () => harness.node.namespace;

  beforeAll(async () => {
    scratch = await createScratch();
    harness = await startLabAgent({ lab: getLab(), token, bootIdFile: scratch.bootIdFile });
    stream = collectEvents({ client: harness.client });
  });

  afterAll(async () => {
    try {
      stream?.stop();
      await harness?.agent.close();
    } finally {
      await scratch?.remove();
    }
  });

  it('health reports the node, its namespace, kernel, boot id and tools, and sees a reboot', async () => {
    const health = await harness.client.health.query();
    expect(health).toMatchObject({
      agentVersion: '0.1.0',
      nodeId: 'node1',
      hostNamespace: getNamespace(),
      bootId: 'boot-1',
      tools: { iproute2: true, iptables: true, conntrack: true },
    });
    expect(health.kernel).toMatch(/^\d+\.\d+/);
    expect(health.uptimeSeconds).toBeGreaterThanOrEqual(0);
    await writeFile(scratch.bootIdFile, 'boot-2\n');
    expect((await harness.client.health.query()).bootId).toBe('boot-2');
  });

  it('setupNode and setupIptables give the node its bridge and rules, protecting the agent port from instances', async () => {
    const { interfaceName } = await harness.client.setupNode.mutate({
      nodeId: 'node1',
      nodeIpCidr: '10.0.0.1/24',
      nodesIps: [],
    });
    await harness.client.setupIptables.mutate({ nodeId: 'node1' });
    const snapshot = await snapshotKernel({ namespace: getNamespace() });
    expect(snapshot.links.find((link) => link.name === interfaceName)?.addresses).toEqual(['10.0.0.1/24']);
    expect(snapshot.forwarding).toBe('1');
    const agentPort = new URL(harness.agent.url).port;
    expect(snapshot.rules).toContainEqual(
      expect.stringMatching(new RegExp(`^filter -A KUDO-INPUT .*--dports ${agentPort} .*REJECT`)),
    );
  });

  it('setupInstance makes the instance answer a ping from the node and its port mapping from outside', async () => {
    const { namespaceName: expected } = await harness.client.getNamespaceName.query({ instanceId: 'web-1' });
    const result = await harness.client.setupInstance.mutate({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'web-1',
      instanceIpCidr: '10.0.0.2/24',
      ports: [{ hostPort: 80, instancePort: 8080, protocol: 'tcp' }],
    });
    expect(result.namespaceName).toBe(expected);
    expect(await ping({ from: getNamespace(), to: '10.0.0.2' })).toBe(true);
    const server = await startServer({ namespace: expected, port: 8080, name: 'web-1' });
    try {
      const answer = await request({ from: getLab().outside.namespace, host: node1Addr, port: 80 });
      expect(answer).toBe(`hello from web-1 to ${getLab().outside.ipAddr}`);
    } finally {
      await server.stop();
    }
  });

  it('setPortMappings moves the mapping: the new host port answers, the old one no longer does', async () => {
    await harness.client.setPortMappings.mutate({
      instanceId: 'web-1',
      ports: [{ hostPort: 81, instancePort: 8080 }],
    });
    const { namespaceName } = await harness.client.getNamespaceName.query({ instanceId: 'web-1' });
    const server = await startServer({ namespace: namespaceName, port: 8080, name: 'web-1' });
    try {
      const outside = getLab().outside.namespace;
      expect(await request({ from: outside, host: node1Addr, port: 81 })).toMatch(/^hello from web-1/);
      expect(await request({ from: outside, host: node1Addr, port: 80 })).toBeUndefined();
    } finally {
      await server.stop();
    }
  });

  it('setupInstances brings several instances up in one call', async () => {
    const result = await harness.client.setupInstances.mutate({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instances: [
        { instanceId: 'bulk-a', instanceIpCidr: '10.0.0.20/24', ports: [] },
        { instanceId: 'bulk-b', instanceIpCidr: '10.0.0.21/24', ports: [] },
      ],
    });
    expect(result.created).toBe(2);
    expect(await ping({ from: getNamespace(), to: '10.0.0.20' })).toBe(true);
    expect(await ping({ from: getNamespace(), to: '10.0.0.21' })).toBe(true);
    await harness.client.cleanInstance.mutate({ instanceId: 'bulk-a' });
    await harness.client.cleanInstance.mutate({ instanceId: 'bulk-b' });
  });

  it('inspect shows the instance and diff names what is missing with the call that fixes it', async () => {
    const actual = await harness.client.inspect.query({ nodeId: 'node1' });
    expect(actual.bridge?.addresses).toEqual(['10.0.0.1/24']);
    expect(
      actual.instances.map(({ instanceId, instanceIpCidr }) => ({ instanceId, instanceIpCidr })),
    ).toEqual([{ instanceId: 'web-1', instanceIpCidr: '10.0.0.2/24' }]);
    const desired = {
      nodeId: 'node1',
      nodeIpCidr: '10.0.0.1/24',
      instances: [
        { instanceId: 'web-1', instanceIpCidr: '10.0.0.2/24', ports: [{ hostPort: 81, instancePort: 8080 }] },
      ],
    };
    expect((await harness.client.diff.query({ desired })).drift).toEqual([]);
    const withMore = {
      ...desired,
      instances: [...desired.instances, { instanceId: 'web-2', instanceIpCidr: '10.0.0.3/24' }],
    };
    const { hasDrift, drift } = await harness.client.diff.query({ desired: withMore });
    expect(hasDrift).toBe(true);
    expect(drift).toEqual([
      expect.objectContaining({
        kind: 'missing',
        resource: 'instance',
        target: 'web-2',
        fix: expect.objectContaining({ operation: 'setupInstance' }),
      }),
    ]);
  });

  it('diff takes a desired state of hundreds of instances (queries travel as POST, not in the URL)', async () => {
    const instances = Array.from({ length: 400 }, (_, index) => ({
      instanceId: `planned-instance-with-a-long-name-${index}`,
      instanceIpCidr: `10.0.0.${(index % 200) + 20}/24`,
      ports: [{ hostPort: 40_000 + index, instancePort: 8080 }],
    }));
    const { drift } = await harness.client.diff.query({
      desired: { nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', instances },
    });
    expect(drift.filter((item) => item.resource === 'instance' && item.kind === 'missing')).toHaveLength(400);
  });

  it('newNodeInCluster, deleteNodeInCluster and addOtherNodes add and remove the other node', async () => {
    const node2 = {
      nodeId: 'node2',
      nodeIp: { clusterIpCidr: '10.0.1.1/24', externalIpAddr: '198.51.100.12' },
    };
    const readPeers = async () =>
      (await harness.client.inspect.query({ nodeId: 'node1' })).peers.map(({ nodeId, subnet, hasRoute }) => ({
        nodeId,
        subnet,
        hasRoute,
      }));
    await harness.client.newNodeInCluster.mutate(node2);
    expect(await readPeers()).toEqual([{ nodeId: 'node2', subnet: '10.0.1.0/24', hasRoute: true }]);
    await harness.client.deleteNodeInCluster.mutate(node2);
    expect(await readPeers()).toEqual([]);
    await harness.client.addOtherNodes.mutate([node2]);
    expect(await readPeers()).toEqual([{ nodeId: 'node2', subnet: '10.0.1.0/24', hasRoute: true }]);
  });

  it('orphans lists an unknown instance without touching it; cleanOrphans removes only that one', async () => {
    const stray = await harness.client.setupInstance.mutate({
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'stray',
      instanceIpCidr: '10.0.0.4/24',
    });
    const known = { nodeIds: ['node1'], instanceIds: ['web-1'], peerNodeIds: ['node2'] };
    const before = await snapshotKernel({ namespace: getNamespace() });
    const plan = await harness.client.orphans.query({ known });
    expect(plan.dryRun).toBe(true);
    expect(plan.orphans.map(({ resource, name }) => ({ resource, name }))).toEqual(
      expect.arrayContaining([{ resource: 'namespace', name: stray.namespaceName }]),
    );
    expect(plan.orphans.every((orphan) => !orphan.detail.includes("'web-1'"))).toBe(true);
    expect(await snapshotKernel({ namespace: getNamespace() })).toEqual(before);

    await harness.client.cleanOrphans.mutate({ known });
    const namespaces = await listNamespaces();
    expect(namespaces).not.toContain(stray.namespaceName);
    const { namespaceName: web1 } = await harness.client.getNamespaceName.query({ instanceId: 'web-1' });
    expect(namespaces).toContain(web1);
    expect((await harness.client.orphans.query({ known })).orphans).toEqual([]);
  });

  it('a netcore refusal reaches the client with its code, field and reason', async () => {
    const taken = await harness.client.setupInstance
      .mutate({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instanceId: 'web-3',
        instanceIpCidr: '10.0.0.5/24',
        ports: [{ hostPort: 81, instancePort: 8080 }],
      })
      .catch((error: unknown) => error);
    expect(toAgentErrorData(taken)).toEqual({
      code: 'CONFLICT',
      field: 'ports.0.hostPort',
      reason: expect.stringContaining("already mapped to instance 'web-1'"),
    });
    expect(taken).toMatchObject({ data: { code: 'CONFLICT', httpStatus: 409 } });

    const badInput = await harness.client.setupInstance
      .mutate({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instanceId: 'web-3',
        instanceIpCidr: '10.0.9.5/24',
      })
      .catch((error: unknown) => error);
    expect(toAgentErrorData(badInput)).toMatchObject({ code: 'INVALID_INPUT', field: 'instanceIpCidr' });
    expect(badInput).toMatchObject({ data: { code: 'BAD_REQUEST', httpStatus: 400 } });
  });

  it('calls without a token or with a wrong one get 401 on every route and change nothing', async () => {
    const before = await snapshotKernel({ namespace: getNamespace() });
    const wrongToken = createTestToken();
    const input = {
      nodeId: 'node1',
      nodeIpAddr: '10.0.0.1',
      instanceId: 'intruder',
      instanceIpCidr: '10.0.0.6/24',
      ports: [{ hostPort: 82, instancePort: 8080 }],
    };
    const { url } = harness.agent;
    const routes = [
      { path: '/trpc/setupInstance', method: 'POST', body: JSON.stringify(input) },
      { path: '/trpc/cleanNode', method: 'POST', body: JSON.stringify({ nodeId: 'node1' }) },
      { path: '/trpc/health', method: 'GET' },
      { path: '/trpc/events', method: 'GET' },
      { path: '/metrics', method: 'GET' },
      { path: '/no-such-route', method: 'GET' },
    ];
    const refusedHeaders: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${wrongToken}` },
      { authorization: token },
    ];
    for (const headers of refusedHeaders)
      for (const { path, method, body } of routes) {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(body ? { body } : {}),
        });
        expect({ path, status: response.status }).toEqual({ path, status: 401 });
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }

    const intruder = createAgentClient({ url, token: wrongToken });
    const refused = await intruder.setupInstance.mutate(input).catch((error: unknown) => error);
    expect(toAgentErrorData(refused)).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(refused).toMatchObject({ data: { httpStatus: 401 } });
    expect(await intruder.health.query().catch((error: unknown) => toAgentErrorData(error).code)).toBe(
      'UNAUTHORIZED',
    );

    expect(await snapshotKernel({ namespace: getNamespace() })).toEqual(before);
    expect(harness.logLines.some((line) => line.includes('request refused'))).toBe(true);
    for (const secret of [token, wrongToken])
      expect(harness.logLines.filter((line) => line.includes(secret))).toEqual([]);
  });

  it('20 concurrent setupInstance calls all succeed, each instance is reachable, no rule is duplicated or missing', {
    timeout: 240_000,
  }, async () => {
    const instances = Array.from({ length: 20 }, (_, index) => ({
      instanceId: `burst-${index + 1}`,
      instanceIpAddr: `10.0.0.${100 + index}`,
      hostPort: 9001 + index,
    }));
    // One client per call: 20 HTTP requests in flight at once, not one batch.
    const results = await Promise.all(
      instances.map(({ instanceId, instanceIpAddr, hostPort }) =>
        createAgentClient({ url: harness.agent.url, token }).setupInstance.mutate({
          nodeId: 'node1',
          nodeIpAddr: '10.0.0.1',
          instanceId,
          instanceIpCidr: `${instanceIpAddr}/24`,
          ports: [{ hostPort, instancePort: 8080 }],
        }),
      ),
    );
    expect(new Set(results.map((result) => result.namespaceName)).size).toBe(20);

    const servers = await Promise.all(
      instances.map(({ instanceId }, index) =>
        startServer({ namespace: results[index]?.namespaceName ?? '', port: 8080, name: instanceId }),
      ),
    );
    try {
      const answers = await Promise.all(
        instances.map(({ hostPort }) =>
          request({ from: getLab().outside.namespace, host: node1Addr, port: hostPort }),
        ),
      );
      expect(answers).toEqual(
        instances.map(({ instanceId }) => `hello from ${instanceId} to ${getLab().outside.ipAddr}`),
      );
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
    }

    const rules = listRuleLines(await saveIptables(getNamespace()));
    expect(rules.length).toBe(new Set(rules).size);
    const rulesOf = (instanceId: string) =>
      rules.filter((line) => new RegExp(`kudo:instance=${instanceId}(?=["\\s]|$)`).test(line));
    const expectedCount = rulesOf('web-1').length;
    expect(expectedCount).toBeGreaterThan(0);
    for (const { instanceId, instanceIpAddr, hostPort } of instances) {
      const own = rulesOf(instanceId);
      expect({ instanceId, count: own.length }).toEqual({ instanceId, count: expectedCount });
      expect(own.some((line) => line.includes(`--dport ${hostPort}`))).toBe(true);
      expect(own.some((line) => line.includes(`${instanceIpAddr}:8080`))).toBe(true);
    }
  });

  it('the event stream shows every operation started then finished or failed, and resumes after a last event id', async () => {
    await stream.waitFor((events) => (summarizeEvents(events).setupInstance?.length ?? 0) >= 46);
    const phases = summarizeEvents(stream.events);
    expect(phases.setupNode).toEqual(['started', 'finished']);
    expect(phases.setupIptables).toEqual(['started', 'finished']);
    expect(phases.setPortMappings).toEqual(['started', 'finished']);
    expect(phases.newNodeInCluster).toEqual(['started', 'finished']);
    expect(phases.deleteNodeInCluster).toEqual(['started', 'finished']);
    expect(phases.addOtherNodes).toEqual(['started', 'finished']);
    expect(phases.cleanOrphans).toEqual(['started', 'finished']);
    // web-1, stray, 20 bursts finished; web-3 failed (its refused input never reached the queue).
    const setups = stream.events.filter((event) => event.operation === 'setupInstance');
    expect(setups.filter((event) => event.phase === 'finished')).toHaveLength(22);
    expect(setups.filter((event) => event.phase === 'failed')).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({ code: 'CONFLICT', field: 'ports.0.hostPort' }),
      }),
    ]);
    expect(stream.events.every((event) => event.nodeId === 'node1')).toBe(true);
    for (const event of stream.events.filter((candidate) => candidate.phase !== 'started'))
      expect(stream.events.filter((candidate) => candidate.operationId === event.operationId)[0]?.phase).toBe(
        'started',
      );
    expect(stream.events.map((event) => event.seq)).toEqual(stream.events.map((_, index) => index + 1));
    // Instance changes run together (netcore groups their kernel work), node changes alone: each started
    // operation ends once, and nothing starts or runs beside a node change.
    const nodeOperations = new Set(['setupNode', 'setupIptables', 'cleanNode', 'cleanOrphans']);
    const running = new Map<string, string>();
    let mostRunning = 0;
    for (const event of stream.events) {
      if (event.phase !== 'started') {
        expect(running.delete(event.operationId)).toBe(true);
        continue;
      }
      const others = [...running.values()];
      const isBesideNodeChange = nodeOperations.has(event.operation)
        ? others.length > 0
        : others.some((operation) => nodeOperations.has(operation));
      expect({ operation: event.operation, others, isBesideNodeChange }).toEqual({
        operation: event.operation,
        others,
        isBesideNodeChange: false,
      });
      running.set(event.operationId, event.operation);
      mostRunning = Math.max(mostRunning, running.size);
    }
    expect(running.size).toBe(0);
    // The 20 concurrent calls reached netcore together, not one after the other.
    expect(mostRunning).toBeGreaterThan(1);

    const middle = stream.events[9];
    if (!middle) throw new Error('expected at least 10 events');
    const resumed = collectEvents({ client: harness.client, lastEventId: middle.id });
    try {
      await resumed.waitFor((events) => events.length >= stream.events.length - 10);
      expect(resumed.events.map((event) => event.id)).toEqual(
        stream.events.slice(10).map((event) => event.id),
      );
      await harness.client.setupIptables.mutate({ nodeId: 'node1' });
      await resumed.waitFor(
        (events) => events.at(-1)?.phase === 'finished' && events.at(-1)?.operation === 'setupIptables',
      );
    } finally {
      resumed.stop();
    }

    const raw = await fetch(`${harness.agent.url}/trpc/events`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': middle.id },
    });
    const reader = raw.body?.getReader();
    let text = '';
    while (reader && !text.includes('\n\n', text.indexOf('id:')))
      text += new TextDecoder().decode((await reader.read()).value);
    await reader?.cancel();
    expect(text).toContain(`id: ${stream.events[10]?.id}\n`);
  });

  it('/metrics counts operations by name and result, their durations and the queue depth', async () => {
    const text = await fetchMetrics({ url: harness.agent.url, token });
    const setupInstance = { operation: 'setupInstance', type: 'mutation' };
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operations_total',
        labels: { ...setupInstance, result: 'success' },
      }),
    ).toBe(22);
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operations_total',
        labels: { ...setupInstance, result: 'error' },
      }),
    ).toBe(1);
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operation_errors_total',
        labels: { operation: 'setupInstance', code: 'CONFLICT' },
      }),
    ).toBe(1);
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operations_total',
        labels: { operation: 'setupNode', result: 'success' },
      }),
    ).toBe(1);
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operations_total',
        labels: { operation: 'health', type: 'query' },
      }),
    ).toBe(2);
    expect(
      readMetric({ text, name: 'kudo_agent_operation_duration_seconds_count', labels: setupInstance }),
    ).toBe(23);
    expect(readMetric({ text, name: 'kudo_agent_queue_depth', labels: { node_id: 'node1' } })).toBe(0);
  });

  it('cleanInstance and cleanNode remove the instance and the node', async () => {
    const { namespaceName } = await harness.client.getNamespaceName.query({ instanceId: 'web-1' });
    await harness.client.cleanInstance.mutate({ instanceId: 'web-1' });
    expect(await listNamespaces()).not.toContain(namespaceName);
    expect(await ping({ from: getNamespace(), to: '10.0.0.2' })).toBe(false);
    await harness.client.cleanNode.mutate({ nodeId: 'node1' });
    const actual = await harness.client.inspect.query({ nodeId: 'node1' });
    expect(actual.bridge).toBeUndefined();
    expect(
      listRuleLines(await saveIptables(getNamespace())).filter((line) => line.includes('kudo:')),
    ).toEqual([]);
  });
});
