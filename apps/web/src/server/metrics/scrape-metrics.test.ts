import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createFakeAgentPlane, type FakeAgentPlane } from '../testing/fake-agent-plane.js';

/**
 * The scraper against fake agents and a real database: each node's series comes from its agent's counters,
 * an agent that does not answer is a gap (and so is its first answer after), and viewers read the series
 * through the router.
 */
describe('metrics scraping', () => {
  const fake = createFakeAgentGateway();
  const node1 = fake.addAgent({ nodeId: 'node1' });
  const node2 = fake.addAgent({ nodeId: 'node2' });
  let plane: FakeAgentPlane;
  let clock = 1_000_000;
  const scrapeAt = (seconds: number) => {
    clock += seconds * 1000;
    return plane.plane.services.metrics.scrapeAll({ now: () => clock });
  };
  const readOperations = (points: { operationsPerSecond: number | null }[]) =>
    points.map(({ operationsPerSecond }) => operationsPerSecond);

  beforeAll(async () => {
    plane = await createFakeAgentPlane({ gateway: fake.gateway, nodes: [node1, node2] });
  });
  afterAll(() => plane.database.remove());

  it('charts each node from its agent, and the cluster as their sum; a silent agent is a gap', async () => {
    await scrapeAt(0);
    const before = fake.callsTo({ url: node1.url }).filter(({ operation }) => operation !== 'metrics').length;
    await plane.plane.admin.instance.create({ nodeId: 'node1', instanceId: 'web-1', ports: [] });
    const ran =
      fake.callsTo({ url: node1.url }).filter(({ operation }) => operation !== 'metrics').length - before;
    expect(ran).toBeGreaterThan(0);
    await scrapeAt(5);
    fake.setDown({ url: node2.url, isDown: true });
    await scrapeAt(5);
    fake.setDown({ url: node2.url, isDown: false });
    await scrapeAt(5);
    await scrapeAt(5);

    const { node, cluster, intervalMs } = await plane.plane.viewer.metrics.series({ nodeId: 'node1' });
    expect(intervalMs).toBe(0);
    expect(node?.nodeId).toBe('node1');
    expect(readOperations(node?.points ?? [])).toEqual([null, ran / 5, 0, 0, 0]);
    expect(node?.points[1]?.p50Seconds).toBeGreaterThan(0);
    expect(node?.points[1]?.p99Seconds).toBeLessThanOrEqual(0.05);
    const { node: second } = await plane.plane.viewer.metrics.series({ nodeId: 'node2' });
    expect(readOperations(second?.points ?? [])).toEqual([null, 0, null, null, 0]);
    expect(readOperations(cluster)).toEqual([null, ran / 5, 0, 0, 0]);
  });

  it('answers the cluster alone without a node, and NOT_FOUND for an unknown node', async () => {
    const { node, cluster } = await plane.plane.viewer.metrics.series();
    expect(node).toBeNull();
    expect(cluster.length).toBeGreaterThan(0);
    await expect(plane.plane.viewer.metrics.series({ nodeId: 'node9' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
