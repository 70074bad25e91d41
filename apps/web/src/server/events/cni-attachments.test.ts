import { NetcoreError } from '@kudo/netcore';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCniAttachment } from '../agents/agent-gateway.js';
import { catchTrpc } from '../testing/catch-trpc.js';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createFakeAgentPlane, type FakeAgentPlane } from '../testing/fake-agent-plane.js';
import type { AgentEventRelay } from './agent-event-relay.js';

/** Polls a condition (the relay works asynchronously); the test's own timeout is the limit. */
const waitUntil = async (isDone: () => Promise<boolean>) => {
  while (!(await isDone())) await new Promise((resolve) => setTimeout(resolve, 5));
};

let database: FakeAgentPlane['database'];
const fake = createFakeAgentGateway();
let plane: FakeAgentPlane['plane'];
let relay: AgentEventRelay | undefined;
const agents = { node1: fake.addAgent({ nodeId: 'node1' }), node2: fake.addAgent({ nodeId: 'node2' }) };

const makeAttachment = ({
  containerId,
  address,
  ports = [],
}: {
  containerId: string;
  address: string;
  ports?: AgentCniAttachment['ports'];
}): AgentCniAttachment => ({
  containerId,
  ifName: 'eth0',
  networkName: 'kudo',
  instanceId: `cni-${containerId.slice(0, 12)}-0a1b2c3d`,
  instanceIpCidr: `${address}/24`,
  netnsPath: `/proc/4242/ns/net`,
  runtime: 'containerd',
  ports,
  createdAt: new Date().toISOString(),
  isNetnsPresent: true,
});

const readCniInstance = (instanceId: string) =>
  plane.admin.instance.list({ nodeId: 'node1' }).then((list) => list.find(({ id }) => id === instanceId));
const readAudit = async (action: string, targetId: string) =>
  (await database.db.auditEntry.findMany({ where: { action, targetId } })).map(({ actor, result }) => ({
    actor,
    result,
  }));
const startRelay = () => {
  relay = plane.services.startEventRelay({ retry: { baseMs: 5, maxMs: 20 }, lingerMs: 0 });
  return relay;
};

beforeAll(async () => {
  ({ database, plane } = await createFakeAgentPlane({ gateway: fake.gateway, nodes: [agents.node1] }));
});
afterEach(async () => {
  await relay?.stop();
  relay = undefined;
});
afterAll(async () => {
  await database?.remove();
});

describe('CNI range delegation', () => {
  it("gives a new node's agent the upper half of its subnet", () => {
    expect(fake.readCniRange({ url: agents.node1.url })).toEqual({
      nodeIpCidr: '10.0.0.1/24',
      rangeCidr: '10.0.0.128/25',
    });
  });

  it('leaves the node degraded with a pending re-apply when the delegation fails, and a retry completes it', async () => {
    fake.failNext({
      url: agents.node2.url,
      operation: 'cni.setRange',
      error: new NetcoreError({
        code: 'COMMAND_FAILED',
        field: 'rangeCidr',
        reason: 'state file not writable',
      }),
    });
    const node = await plane.admin.node.add({
      agentUrl: agents.node2.url,
      agentToken: agents.node2.token,
      externalIpAddr: '198.51.100.12',
    });
    expect(node.status).toBe('degraded');
    expect(node.statusReason).toContain('state file not writable');
    expect(fake.readCniRange({ url: agents.node2.url })).toBeNull();
    await plane.admin.node.retry({ nodeId: 'node2' });
    expect(fake.readCniRange({ url: agents.node2.url })).toEqual({
      nodeIpCidr: '10.0.1.1/24',
      rangeCidr: '10.0.1.128/25',
    });
    expect((await plane.admin.node.get({ nodeId: 'node2' })).status).toBe('ready');
  });
});

describe('CNI attachments in the control plane', () => {
  const web = makeAttachment({
    containerId: 'f00dfeed0001aaaa',
    address: '10.0.0.130',
    ports: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' }],
  });

  it("records an agent's cniAdd as a cni instance with its container id, runtime and port mappings", async () => {
    startRelay();
    // The reconciliation of the new connection has read the agent's list: what follows comes from events.
    await waitUntil(
      async () => fake.callsTo({ url: agents.node1.url, operation: 'cni.listAttachments' }).length > 0,
    );
    fake.attachContainer({ url: agents.node1.url, attachment: web });
    await waitUntil(async () => (await readCniInstance(web.instanceId)) !== undefined);
    expect(await readCniInstance(web.instanceId)).toMatchObject({
      nodeId: 'node1',
      ipAddr: '10.0.0.130',
      source: 'cni',
      containerId: 'f00dfeed0001aaaa',
      runtime: 'containerd',
      status: 'running',
      portMappings: [{ hostPort: 8080, instancePort: 80, protocol: 'tcp' }],
    });
    expect(await readAudit('instance.attach', web.instanceId)).toEqual([
      { actor: 'containerd on node1', result: 'ok' },
    ]);
  });

  it('records it once when the agent replays its history', async () => {
    startRelay();
    await waitUntil(async () => fake.eventsOf({ url: agents.node1.url }).streams.active === 1);
    await relay?.stop();
    relay = undefined;
    const list = await plane.admin.instance.list({ nodeId: 'node1' });
    expect(list.filter(({ id }) => id === web.instanceId)).toHaveLength(1);
    expect(await readAudit('instance.attach', web.instanceId)).toHaveLength(1);
  });

  it('refuses to delete it or edit its port mappings: the runtime owns it', async () => {
    const deletion = await catchTrpc(plane.admin.instance.delete({ instanceId: web.instanceId }));
    expect(deletion.code).toBe('PRECONDITION_FAILED');
    expect(deletion.message).toBe(
      `instance '${web.instanceId}' is owned by containerd on node1: stop the container to remove it`,
    );
    const edit = await catchTrpc(plane.admin.portMapping.set({ instanceId: web.instanceId, ports: [] }));
    expect(edit.code).toBe('PRECONDITION_FAILED');
    expect(edit.message).toContain('owned by containerd on node1');
    expect(fake.callsTo({ url: agents.node1.url, operation: 'cleanInstance' })).toEqual([]);
    expect((await readCniInstance(web.instanceId))?.portMappings).toHaveLength(1);
  });

  it('leaves it out of the drift: not an instance to clean, nor one to set up', async () => {
    fake.setDrift({
      url: agents.node1.url,
      drift: [
        {
          kind: 'unexpected',
          resource: 'instance',
          target: web.instanceId,
          detail: 'instance is not in the desired state',
          fix: { operation: 'cleanInstance', input: { instanceId: web.instanceId } },
        },
      ],
    });
    try {
      const inspection = await plane.admin.inspection.inspect({ nodeId: 'node1' });
      expect(inspection.items).toEqual([]);
      expect(inspection.desired.instances).toEqual([]);
      await plane.admin.node.retry({ nodeId: 'node1' });
      const setUp = fake.callsTo({ url: agents.node1.url, operation: 'setupInstances' });
      expect(setUp.map(({ input }) => input)).not.toContainEqual(
        expect.objectContaining({ instances: expect.arrayContaining([expect.anything()]) }),
      );
    } finally {
      fake.setDrift({ url: agents.node1.url, drift: [] });
    }
  });

  it("forgets it at the agent's cniDel, audited as the runtime", async () => {
    startRelay();
    fake.detachContainer({ url: agents.node1.url, instanceId: web.instanceId });
    await waitUntil(async () => (await readCniInstance(web.instanceId)) === undefined);
    expect(await database.db.portMapping.count({ where: { instanceId: web.instanceId } })).toBe(0);
    expect(await readAudit('instance.detach', web.instanceId)).toEqual([
      { actor: 'containerd on node1', result: 'ok' },
    ]);
  });

  it('catches up at a reconnection with what the agent lists (events missed while the stream was down)', async () => {
    const missed = makeAttachment({ containerId: 'beef00000002bbbb', address: '10.0.0.131' });
    const gone = makeAttachment({ containerId: 'beef00000003cccc', address: '10.0.0.132' });
    startRelay();
    fake.attachContainer({ url: agents.node1.url, attachment: gone });
    await waitUntil(async () => (await readCniInstance(gone.instanceId)) !== undefined);
    await relay?.stop();
    relay = undefined;
    // While nobody follows: one container attached, the other removed, and the history lost (a restart).
    fake.eventsOf({ url: agents.node1.url }).restart();
    fake.setCniAttachments({ url: agents.node1.url, attachments: [missed] });
    startRelay();
    await waitUntil(
      async () =>
        (await readCniInstance(missed.instanceId)) !== undefined &&
        (await readCniInstance(gone.instanceId)) === undefined,
    );
    expect(await readCniInstance(missed.instanceId)).toMatchObject({
      source: 'cni',
      containerId: missed.containerId,
    });
    expect(await readAudit('instance.detach', gone.instanceId)).toHaveLength(1);
  });

  it("lists an attachment whose container is gone as an orphan, and its clean runs the agent's GC", async () => {
    const live = makeAttachment({ containerId: 'beef00000002bbbb', address: '10.0.0.131' });
    const killed = {
      ...makeAttachment({ containerId: 'dead00000004dddd', address: '10.0.0.133' }),
      isNetnsPresent: false,
    };
    fake.setCniAttachments({ url: agents.node1.url, attachments: [live, killed] });
    startRelay();
    await waitUntil(async () => (await readCniInstance(killed.instanceId)) !== undefined);
    const { orphans } = await plane.admin.inspection.orphans({ nodeId: 'node1' });
    expect(orphans).toEqual([
      expect.objectContaining({ resource: 'cni-attachment', name: killed.instanceId }),
    ]);
    expect(orphans[0]?.detail).toContain('dead00000004dddd');
    // netcore's own orphan search is told both attachments are known: it never cleans a container's veth.
    expect(fake.callsTo({ url: agents.node1.url, operation: 'orphans' }).at(-1)?.input).toMatchObject({
      known: { instanceIds: expect.arrayContaining([live.instanceId, killed.instanceId]) },
    });
    const cleaned = await plane.admin.inspection.cleanOrphans({ nodeId: 'node1', dryRun: false });
    expect(cleaned.orphans.map(({ name }) => name)).toEqual([killed.instanceId]);
    await waitUntil(async () => (await readCniInstance(killed.instanceId)) === undefined);
    expect(await readCniInstance(live.instanceId)).toBeDefined();
    expect((await plane.admin.inspection.orphans({ nodeId: 'node1' })).orphans).toEqual([]);
  });
});
