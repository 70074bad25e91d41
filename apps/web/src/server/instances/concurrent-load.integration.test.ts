import { ping, request, startServer } from '@kudo/netcore/testing';
import { describeWithNamespaces } from '@kudo/netcore/testing/vitest';
import { beforeAll, expect, it } from 'vitest';
import {
  findDatabaseProblems,
  findKernelProblems,
  readNodeKernel,
  readRuleInstance,
} from '../testing/cluster-audit.js';
import { type TestControlPlane, useTestCluster } from '../testing/test-cluster.js';

const requestCount = 100;
const nodeNames = ['node1', 'node2', 'node3'];
/** At most this many probe processes (ping, servers, clients) at once on the 2-core machine. */
const probeBatch = 20;

const inBatches = async <T, R>(items: readonly T[], run: (item: T) => Promise<R>) => {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += probeBatch)
    results.push(...(await Promise.all(items.slice(start, start + probeBatch).map(run))));
  return results;
};

/**
 * 100 instance creations sent to the control plane at once (the default 30 s agent deadline), spread over
 * a 3-node lab, each with a port mapping. All must succeed with distinct addresses and host ports, each
 * instance must answer on its address and through its host port, and each node must hold exactly the
 * rules its instances need: no rule missing, duplicated or left over.
 */
describeWithNamespaces('100 concurrent instance creations', () => {
  const cluster = useTestCluster({ nodeCount: 3, addedNodes: nodeNames });
  const lab = () => cluster().lab;
  const agent = (name: string) => cluster().agent(name);
  let plane: TestControlPlane;
  const baseRules = new Map<string, number>();

  beforeAll(async () => {
    plane = cluster().plane;
    for (const name of nodeNames)
      baseRules.set(name, (await readNodeKernel({ namespace: agent(name).namespace })).rules.length);
  });

  it('all succeed with distinct addresses and host ports, and exact rules', {
    timeout: 240_000,
  }, async () => {
    const startedAt = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: requestCount }, (_, index) =>
        plane.admin.instance.create({
          nodeId: nodeNames[index % nodeNames.length] ?? '',
          instanceId: `load-${index}`,
          ports: [
            { hostPort: 30_000 + Math.floor(index / nodeNames.length), instancePort: 8080, protocol: 'tcp' },
          ],
        }),
      ),
    );
    const seconds = (performance.now() - startedAt) / 1000;
    console.log(`[load] ${requestCount} concurrent instance creations on 3 nodes in ${seconds.toFixed(1)} s`);
    expect(results.filter(({ status }) => status === 'rejected')).toEqual([]);

    const instances = await plane.viewer.instance.list();
    expect(instances).toHaveLength(requestCount);
    expect(instances.filter(({ status }) => status !== 'running')).toEqual([]);
    expect(new Set(instances.map(({ ipAddr }) => ipAddr)).size).toBe(requestCount);
    const hostPorts = instances.flatMap(({ nodeId, portMappings }) =>
      portMappings.map(({ hostPort }) => `${nodeId}/${hostPort}`),
    );
    expect(new Set(hostPorts).size).toBe(requestCount);
    expect(await findDatabaseProblems({ db: plane.deps.db })).toEqual([]);

    for (const name of nodeNames) {
      const { namespace } = agent(name);
      expect(await findKernelProblems({ db: plane.deps.db, nodeId: name, namespace })).toEqual([]);
      const { rules } = await readNodeKernel({ namespace });
      const perInstance = new Map<string, number>();
      for (const id of rules.map(readRuleInstance))
        if (id) perInstance.set(id, (perInstance.get(id) ?? 0) + 1);
      const counts = new Set(perInstance.values());
      // Every instance has the same number of rules for its one mapping, and nothing else was added.
      expect(counts.size).toBe(1);
      const [rulesPerInstance = 0] = counts;
      const own = instances.filter(({ nodeId }) => nodeId === name).length;
      expect(perInstance.size).toBe(own);
      expect(rules.length).toBe((baseRules.get(name) ?? 0) + own * rulesPerInstance);
      expect((await plane.viewer.inspection.inspect({ nodeId: name })).items).toEqual([]);
    }
  });

  it('every instance answers on its address from another node, and through its host port from outside', {
    timeout: 240_000,
  }, async () => {
    const instances = await plane.viewer.instance.list();
    const probes = new Map<string, string>();
    for (const name of nodeNames)
      probes.set(name, instances.find(({ nodeId }) => nodeId !== name)?.namespaceName ?? '');
    const unanswered = await inBatches(instances, async ({ id, nodeId, ipAddr }) =>
      (await ping({ from: probes.get(nodeId) ?? '', to: ipAddr })) ? undefined : id,
    );
    expect(unanswered.filter(Boolean)).toEqual([]);

    const { outside } = lab();
    const answers = await inBatches(instances, async ({ id, nodeId, namespaceName, portMappings }) => {
      const server = await startServer({ namespace: namespaceName ?? '', port: 8080, name: id });
      try {
        const port = portMappings[0]?.hostPort ?? 0;
        return {
          id,
          answer: await request({ from: outside.namespace, host: agent(nodeId).externalIpAddr, port }),
        };
      } finally {
        await server.stop();
      }
    });
    expect(answers).toEqual(
      instances.map(({ id }) => ({ id, answer: `hello from ${id} to ${outside.ipAddr}` })),
    );
  });
});
