import { readFile } from 'node:fs/promises';
import { listNamespaces } from '@kudo/netcore/lab';
import { ping, snapshotKernel } from '@kudo/netcore/testing';
import { describeWithNamespaces, useTestLab } from '@kudo/netcore/testing/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgentClient } from './client.js';
import { createScratch, createTestToken, toLabAgentArgs } from './testing/agent-harness.js';
import { type AgentProcess, spawnAgentProcess } from './testing/agent-process.js';

const cycles = 1000;
const readRssMegabytes = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
};

/** 1,000 create/delete cycles through a real agent process: its memory stays flat, nothing is left behind. */
describeWithNamespaces('soak: create/delete cycles through the agent', () => {
  const getLab = useTestLab({ nodeCount: 1 });
  const token = createTestToken();
  let scratch: Awaited<ReturnType<typeof createScratch>>;
  let agent: AgentProcess;

  beforeAll(async () => {
    scratch = await createScratch({ token });
    const namespace = getLab().nodes[0]?.namespace ?? '';
    agent = spawnAgentProcess({
      args: toLabAgentArgs({ namespace, scratch }),
    });
  });
  afterAll(async () => {
    try {
      if (agent) {
        agent.child.kill('SIGTERM');
        await agent.exited;
      }
    } finally {
      await scratch?.remove();
    }
  });

  it(`keeps the agent's memory flat over ${cycles} cycles and leaves zero leftovers`, async () => {
    const url = await agent.listening;
    const client = createAgentClient({ url, token });
    const namespace = getLab().nodes[0]?.namespace ?? '';
    await client.setupNode.mutate({ nodeId: 'node1', nodeIpCidr: '10.0.0.1/24', nodesIps: [] });
    const before = await snapshotKernel({ namespace });
    const pid = agent.child.pid ?? 0;
    const samples: number[] = [];
    for (let cycle = 0; cycle < cycles; cycle++) {
      const instanceId = `soak-${cycle}`;
      const { namespaceName } = await client.setupInstance.mutate({
        nodeId: 'node1',
        nodeIpAddr: '10.0.0.1',
        instanceId,
        instanceIpCidr: `10.0.0.${(cycle % 200) + 10}/24`,
        ports: [{ hostPort: 30_000 + (cycle % 1000), instancePort: 80 }],
      });
      if (cycle % 250 === 0) expect(await ping({ from: namespaceName, to: '10.0.0.1' })).toBe(true);
      await client.cleanInstance.mutate({ instanceId });
      if (cycle % 100 === 99) samples.push(await readRssMegabytes(pid));
      if (cycle % 250 === 249) console.log(`[soak] ${cycle + 1} cycles done`);
    }
    // The first half lets V8 size its heap (RSS rises, then levels off); over the second half it must stay flat.
    const warm = samples[Math.floor(samples.length / 2) - 1] ?? 0;
    const last = samples.at(-1) ?? 0;
    console.log(
      `[soak] ${cycles} cycles; agent RSS (MB) every 100 cycles: ${samples.map((sample) => sample.toFixed(1)).join(' ')}`,
    );
    expect(last - warm, `agent RSS grew from ${warm.toFixed(1)} MB to ${last.toFixed(1)} MB`).toBeLessThan(
      40,
    );
    const after = await snapshotKernel({ namespace });
    expect(after).toEqual(before);
    expect((await listNamespaces()).filter((name) => name.startsWith(`${namespace}-i-`))).toEqual([]);
    await client.cleanNode.mutate({ nodeId: 'node1' });
  }, 900_000);
});
