import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { startProgress } from './operation-progress.js';
import type { OperationView } from './operation-view.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const fake = createFakeAgentGateway();
let plane: ReturnType<typeof createTestControlPlane>;
const agents = [1, 2, 3, 4].map((index) => ({
  ...fake.addAgent({ nodeId: `node${index}` }),
  externalIpAddr: `198.51.100.${10 + index}`,
}));

/** Every update of the control-plane operations while `work` runs, as `action step/total what`. */
const recordProgress = async (work: () => Promise<unknown>) => {
  const controller = new AbortController();
  const seen: OperationView[] = [];
  const kept = plane.services.operations.list().length;
  const reading = (async () => {
    for await (const { operation } of plane.services.operations.follow({ signal: controller.signal }))
      seen.push(operation);
  })();
  await work().catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 10));
  controller.abort();
  await reading;
  return seen
    .slice(kept)
    .filter(({ source }) => source === 'control-plane')
    .map(({ operation, status, progress }) =>
      progress
        ? `${operation} ${status} ${progress.step}/${progress.total} ${progress.what}`
        : `${operation} ${status}`,
    );
};

beforeAll(async () => {
  database = await createTestDatabase();
  plane = createTestControlPlane({ db: database.db, gateway: fake.gateway });
  for (const agent of agents.slice(0, 3))
    await plane.admin.node.add({
      agentUrl: agent.url,
      agentToken: agent.token,
      externalIpAddr: agent.externalIpAddr,
    });
});
afterAll(async () => {
  await database?.remove();
});

describe('progress of long control-plane operations', () => {
  it('adding a node counts its setup, then each node it is announced to', async () => {
    const [, node2] = agents;
    fake.setDown({ url: node2?.url ?? '', isDown: true });
    const node4 = agents[3];
    if (!node4) throw new Error('no fourth agent');
    const steps = await recordProgress(() =>
      plane.admin.node.add({
        agentUrl: node4.url,
        agentToken: node4.token,
        externalIpAddr: node4.externalIpAddr,
      }),
    );
    fake.setDown({ url: node2?.url ?? '', isDown: false });
    // The announcements run in parallel: their order is not fixed, their count is.
    expect(steps.slice(0, 3)).toEqual([
      'node.add running',
      'node.add running 0/4 setting up node4',
      'node.add running 1/4 set up node4; announcing it to 3 nodes',
    ]);
    const announcements = steps.slice(3, 6);
    expect(announcements.map((step) => /\s(\d)\/4\s/.exec(step)?.[1])).toEqual(['2', '3', '4']);
    expect(announcements.map((step) => step.replace(/^.*\d\/4 /, '')).sort()).toEqual([
      'announced to node1',
      'announced to node3',
      'announcement to node2 failed: kept as a pending change',
    ]);
    expect(steps.at(-1)).toMatch(/^node\.add finished 4\/4 /);
  });

  it('a reconcile counts the drift items it fixes', async () => {
    fake.setDrift({
      url: agents[0]?.url ?? '',
      drift: ['a', 'b'].map((target) => ({
        kind: 'missing',
        resource: 'instance',
        target,
        detail: 'veth is missing',
        fix: { operation: 'setupIptables', input: { nodeId: 'node1' } },
      })),
    });
    const steps = await recordProgress(() => plane.admin.inspection.reconcile({ nodeId: 'node1' }));
    fake.setDrift({ url: agents[0]?.url ?? '', drift: [] });
    expect(steps.slice(0, 4)).toEqual([
      'inspection.reconcile running',
      'inspection.reconcile running 0/2 fixing 2 drift items',
      'inspection.reconcile running 1/2 fixed instance a: veth is missing',
      'inspection.reconcile running 2/2 fixed instance b: veth is missing',
    ]);
    expect(steps.at(-1)).toMatch(/^inspection\.reconcile finished 2\/2/);
  });

  it('outside a control-plane operation, progress goes nowhere', () => {
    const progress = startProgress({ total: 2, what: 'nothing watches this' });
    expect(() => progress.advance({ what: 'still nothing' })).not.toThrow();
  });
});
