import { NetcoreError } from '@kudo/netcore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createFakeAgentPlane, type FakeAgentPlane } from '../testing/fake-agent-plane.js';
import type { AgentEventRelay } from './agent-event-relay.js';
import { readRetryDelayMs } from './node-event-stream.js';
import type { OperationView } from './operation-view.js';

/** Polls a condition on the feed (the relay works asynchronously); the test's own timeout is the limit. */
const waitUntil = async (isDone: () => boolean) => {
  while (!isDone()) await new Promise((resolve) => setTimeout(resolve, 5));
};

const summarize = (operations: OperationView[]) =>
  operations.map(
    ({ nodeName, operation, subject, status }) => `${nodeName} ${operation} ${subject} ${status}`,
  );

let database: FakeAgentPlane['database'];
const fake = createFakeAgentGateway();
let plane: FakeAgentPlane['plane'];
let relay: AgentEventRelay | undefined;
const agents = {
  node1: fake.addAgent({ nodeId: 'node1' }),
  node2: fake.addAgent({ nodeId: 'node2' }),
  node3: fake.addAgent({ nodeId: 'node3' }),
};
const agentOperations = () => plane.services.operations.list().filter(({ source }) => source === 'agent');
const startRelay = () => {
  relay = plane.services.startEventRelay({ retry: { baseMs: 5, maxMs: 20 }, lingerMs: 0 });
  return relay;
};

beforeAll(async () => {
  ({ database, plane } = await createFakeAgentPlane({
    gateway: fake.gateway,
    nodes: [agents.node1, { ...agents.node2, name: 'rack-2' }],
  }));
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});
afterAll(async () => {
  await database?.remove();
});

describe('agent event relay', () => {
  it('waits longer after each failure, up to a limit', () => {
    const policy = { baseMs: 500, maxMs: 30_000 };
    expect([1, 2, 3, 4, 7, 20].map((attempt) => readRetryDelayMs({ attempt, policy }))).toEqual([
      500, 1000, 2000, 4000, 30_000, 30_000,
    ]);
  });

  it("relays each node's operations tagged with the node's name, from its agent's history on", async () => {
    startRelay();
    await waitUntil(() => agentOperations().length >= 3);
    // node1's setup, node2's setup, and node1 told about node2; each with the node's display name.
    expect(summarize(agentOperations())).toEqual([
      'node1 setupNode node1 finished',
      'rack-2 setupNode node2 finished',
      'node1 newNodeInCluster node2 finished',
    ]);
  });

  it('opens one stream per node however many subscribers read the feed', async () => {
    const before = fake.eventsOf({ url: agents.node1.url }).streams.active;
    startRelay();
    const controller = new AbortController();
    const subscribers = Array.from({ length: 5 }, () =>
      plane.services.operations.follow({ signal: controller.signal }),
    );
    await Promise.all(subscribers.map((subscriber) => subscriber.next()));
    await waitUntil(() => fake.eventsOf({ url: agents.node2.url }).streams.active === 1);
    expect(fake.eventsOf({ url: agents.node1.url }).streams.active).toBe(before + 1);
    expect(fake.eventsOf({ url: agents.node2.url }).streams.active).toBe(1);
    controller.abort();
    await relay?.stop();
    expect(fake.eventsOf({ url: agents.node1.url }).streams.active).toBe(0);
    expect(fake.eventsOf({ url: agents.node2.url }).streams.active).toBe(0);
  });

  it('an operation done through the control plane runs, then finishes; a failed one carries its error', async () => {
    startRelay();
    await waitUntil(() => fake.eventsOf({ url: agents.node1.url }).streams.active === 1);
    const seen: OperationView[] = [];
    const controller = new AbortController();
    const reading = (async () => {
      for await (const { operation } of plane.services.operations.follow({ signal: controller.signal }))
        if (operation.operation === 'setupInstance') seen.push(operation);
    })();
    await plane.admin.instance.create({ nodeId: 'node2', instanceId: 'web-1' });
    fake.failNext({
      url: agents.node2.url,
      operation: 'setupInstance',
      error: new NetcoreError({
        code: 'COMMAND_FAILED',
        field: 'instanceIpCidr',
        reason: 'ip addr add failed',
      }),
    });
    await expect(plane.admin.instance.create({ nodeId: 'node2', instanceId: 'web-2' })).rejects.toThrow();
    await waitUntil(() => seen.filter(({ status }) => status !== 'running').length === 2);
    controller.abort();
    await reading;
    expect(seen.map(({ nodeName, subject, status }) => `${nodeName} ${subject} ${status}`)).toEqual([
      'rack-2 web-1 running',
      'rack-2 web-1 finished',
      'rack-2 web-2 running',
      'rack-2 web-2 failed',
    ]);
    expect(seen.at(-1)?.error).toEqual({
      code: 'COMMAND_FAILED',
      field: 'instanceIpCidr',
      reason: 'ip addr add failed',
    });
  });

  it('follows again from the last event it relayed after the stream breaks, and after the agent was down', async () => {
    startRelay();
    const log = fake.eventsOf({ url: agents.node1.url });
    await waitUntil(() => log.streams.active === 1);
    // Caught up with node1's history (its setup, and being told about node2) before the break.
    await waitUntil(() => agentOperations().filter(({ nodeId }) => nodeId === 'node1').length === 2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const kept = plane.services.operations.list().length;
    const lastIdBeforeBreak = log.readLastId();
    const updates: OperationView[] = [];
    const controller = new AbortController();
    const reading = (async () => {
      for await (const { operation } of plane.services.operations.follow({ signal: controller.signal }))
        updates.push(operation);
    })();
    log.dropStreams();
    // Done while no stream is open: the relay hears it from the agent's history, after its last id.
    log.start({ nodeId: 'node1', operation: 'setupIptables', input: { nodeId: 'node1' } })({});
    fake.setDown({ url: agents.node1.url, isDown: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(log.streams.active).toBe(0);
    fake.setDown({ url: agents.node1.url, isDown: false });
    await waitUntil(() => updates.slice(kept).some(({ status }) => status === 'finished'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await reading;
    // Only what happened in between came again: nothing from before the break was replayed.
    expect(summarize(updates.slice(kept))).toEqual([
      'node1 setupIptables node1 running',
      'node1 setupIptables node1 finished',
    ]);
    expect(log.streams.active).toBe(1);
    // The stream was followed again from the last event relayed before the break.
    expect(lastIdBeforeBreak).toBeDefined();
    expect(log.streams.resumedAfter.at(-1)).toBe(lastIdBeforeBreak);
  });

  it('marks what was running when the agent restarted as ended without a known outcome', async () => {
    startRelay();
    const log = fake.eventsOf({ url: agents.node1.url });
    log.start({ nodeId: 'node1', operation: 'cleanOrphans', input: {} });
    await waitUntil(() =>
      agentOperations().some(({ operation, status }) => operation === 'cleanOrphans' && status === 'running'),
    );
    log.restart();
    log.start({ nodeId: 'node1', operation: 'setupIptables', input: { nodeId: 'node1' } })({});
    await waitUntil(() => !agentOperations().some(({ status }) => status === 'running'));
    expect(agentOperations().find(({ operation }) => operation === 'cleanOrphans')).toMatchObject({
      status: 'unknown',
      error: { code: 'UNKNOWN_OUTCOME', reason: 'the agent restarted while it ran' },
    });
  });

  it('follows a node once it is added and stops once it is removed', async () => {
    startRelay();
    await waitUntil(() => relay?.listFollowed().length === 2);
    await plane.admin.node.add({
      agentUrl: agents.node3.url,
      agentToken: agents.node3.token,
      externalIpAddr: '198.51.100.13',
    });
    await waitUntil(() => relay?.listFollowed().includes('node3') === true);
    await waitUntil(() => fake.eventsOf({ url: agents.node3.url }).streams.active === 1);
    await plane.admin.node.remove({ nodeId: 'node3' });
    await waitUntil(() => relay?.listFollowed().includes('node3') === false);
    await waitUntil(() => fake.eventsOf({ url: agents.node3.url }).streams.active === 0);
    // Its removal was relayed before its stream was dropped.
    expect(summarize(agentOperations().filter(({ nodeId }) => nodeId === 'node3'))).toContain(
      'node3 cleanNode node3 finished',
    );
  });
});
