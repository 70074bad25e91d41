import { ping, snapshotKernel } from '@kudo/netcore/testing';
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
} from './testing/agent-harness.js';

const toRequest = ({ index, hostPort = 21_000 + index }: { index: number; hostPort?: number }) => ({
  nodeId: 'node1',
  nodeIpAddr: '10.0.0.1',
  instanceId: `group-${index}`,
  instanceIpCidr: `10.0.0.${index + 10}/24`,
  ports: [{ hostPort, instancePort: 8080 }],
});

/**
 * Many callers at once through one agent (one client and one HTTP request each): their changes reach
 * netcore together, where group commit merges the kernel work, and each caller still gets its own answer.
 */
describeWithNamespaces('group commit through the agent', () => {
  const getLab = useTestLab({ nodeCount: 1 });
  const token = createTestToken();
  let harness: Awaited<ReturnType<typeof startLabAgent>>;
  let scratch: Awaited<ReturnType<typeof createScratch>>;
  const getNamespace = () => harness.node.namespace;
  const callEach = <T>(
    count: number,
    call: (client: ReturnType<typeof createAgentClient>, index: number) => Promise<T>,
  ) =>
    Promise.allSettled(
      Array.from({ length: count }, (_, index) =>
        call(createAgentClient({ url: harness.agent.url, token }), index),
      ),
    );

  beforeAll(async () => {
    scratch = await createScratch();
    harness = await startLabAgent({ lab: getLab(), token, bootIdFile: scratch.bootIdFile });
    await harness.client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', nodesIps: [] });
  });

  afterAll(async () => {
    try {
      await harness?.client.cleanNode.mutate({ nodeId: 'node1' }).catch(() => undefined);
      await harness?.agent.close();
    } finally {
      await scratch?.remove();
    }
  });

  it('50 setupInstance calls at once with one bad request: it alone fails, with its typed error; the 49 others get their own results', {
    timeout: 240_000,
  }, async () => {
    const before = await snapshotKernel({ namespace: getNamespace() });
    const stream = collectEvents({ client: harness.client });
    await harness.client.setupInstance.mutate(toRequest({ index: 100, hostPort: 31_000 }));

    // group-17 asks for the host port group-100 holds.
    const outcomes = await callEach(50, (client, index) =>
      client.setupInstance.mutate(toRequest({ index, hostPort: index === 17 ? 31_000 : undefined })),
    );
    expect(outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []))).toEqual([
      17,
    ]);
    const refused = outcomes[17] as PromiseRejectedResult;
    expect(toAgentErrorData(refused.reason)).toEqual({
      code: 'CONFLICT',
      field: 'ports.0.hostPort',
      reason: expect.stringContaining("'group-100'"),
    });
    expect(refused.reason).toMatchObject({ data: { code: 'CONFLICT', httpStatus: 409 } });

    // Each caller got the names of its own instance.
    const results = await Promise.all(
      outcomes.map(async (outcome, index) => ({
        outcome,
        expected: await harness.client.getNamespaceName.query({ instanceId: `group-${index}` }),
      })),
    );
    for (const [index, { outcome, expected }] of results.entries()) {
      if (index === 17) continue;
      expect({ index, outcome }).toEqual({
        index,
        outcome: {
          status: 'fulfilled',
          value: {
            interfaceName: 'eth0',
            hostInterfaceName: expect.stringMatching(/^kudov[0-9a-f]{10}$/),
            namespaceName: expected.namespaceName,
          },
        },
      });
    }
    const vethNames = outcomes.flatMap((outcome) =>
      outcome.status === 'fulfilled' ? [outcome.value.hostInterfaceName] : [],
    );
    expect(new Set(vethNames).size).toBe(49);

    // The kernel: the bad one left nothing; each good one has its rules once, and answers.
    const rules = listRuleLines(await saveIptables(getNamespace()));
    const rulesOf = (instanceId: string) =>
      rules.filter((line) => new RegExp(`kudo:instance=${instanceId}(?=["\\s]|$)`).test(line));
    expect(rulesOf('group-17')).toEqual([]);
    const perInstance = rulesOf('group-100').length;
    expect(perInstance).toBeGreaterThan(0);
    const counts = Array.from({ length: 50 }, (_, index) => rulesOf(`group-${index}`).length);
    expect(counts).toEqual(counts.map((_, index) => (index === 17 ? 0 : perInstance)));
    expect(
      (await snapshotKernel({ namespace: getNamespace() })).namespaces.filter((name) =>
        name.includes('-i-group-17-'),
      ),
    ).toEqual([]);
    const silent: number[] = [];
    for (let index = 0; index < 50; index += 1)
      if (index !== 17 && !(await ping({ from: getNamespace(), to: `10.0.0.${index + 10}` })))
        silent.push(index);
    expect(silent).toEqual([]);

    // They ran together in the agent: more than one change was in netcore at a time.
    await stream.waitFor(
      (events) => events.filter((event) => event.operation === 'setupInstance').length >= 102,
    );
    stream.stop();
    let running = 0;
    let mostRunning = 0;
    for (const event of stream.events) {
      running += event.phase === 'started' ? 1 : -1;
      mostRunning = Math.max(mostRunning, running);
    }
    expect(mostRunning).toBeGreaterThan(1);

    // 51 cleanInstance calls at once leave the node as it was.
    const cleaned = await callEach(51, (client, index) =>
      client.cleanInstance.mutate({ instanceId: `group-${index === 50 ? 100 : index}` }),
    );
    expect(cleaned.filter(({ status }) => status === 'rejected')).toEqual([]);
    expect(await snapshotKernel({ namespace: getNamespace() })).toEqual(before);

    const text = await fetchMetrics({ url: harness.agent.url, token });
    const setupInstance = { operation: 'setupInstance', type: 'mutation' };
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operations_total',
        labels: { ...setupInstance, result: 'success' },
      }),
    ).toBe(50);
    expect(
      readMetric({
        text,
        name: 'kudo_agent_operations_total',
        labels: { ...setupInstance, result: 'error' },
      }),
    ).toBe(1);
    expect(readMetric({ text, name: 'kudo_agent_queue_depth', labels: { node_id: 'node1' } })).toBe(0);
  });
});
