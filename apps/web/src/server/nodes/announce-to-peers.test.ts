import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createTestDatabase } from '../testing/test-database.js';
import { createTestControlPlane } from '../testing/test-services.js';
import { type AnnounceProgress, announceToPeers } from './announce-to-peers.js';
import { readNodeRecord, readPeers } from './node-queries.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
const fake = createFakeAgentGateway();
let plane: ReturnType<typeof createTestControlPlane>;
const agents = [1, 2, 3].map((index) => fake.addAgent({ nodeId: `node${index}` }));

beforeAll(async () => {
  database = await createTestDatabase();
  plane = createTestControlPlane({ db: database.db, gateway: fake.gateway });
  for (const [index, { url, token }] of agents.entries())
    await plane.admin.node.add({
      agentUrl: url,
      agentToken: token,
      externalIpAddr: `198.51.100.1${index + 1}`,
    });
});
afterAll(async () => {
  await database?.remove();
});

describe('announceToPeers', () => {
  const announceNode1 = async (onProgress: (progress: AnnounceProgress) => void) => {
    const { deps } = plane;
    const node = await readNodeRecord({ db: deps.db, nodeId: 'node1' });
    const peers = await readPeers({ db: deps.db, nodeId: 'node1' });
    return announceToPeers({ deps, node, peers, operation: 'deleteNodeInCluster', onProgress });
  };

  it('reports progress after each peer, and leaves a peer it could not tell degraded with a pending change', async () => {
    fake.setDown({ url: agents[2]?.url ?? '', isDown: true });
    const progress: AnnounceProgress[] = [];
    const { failures } = await announceNode1((step) => progress.push(step));

    expect(progress.map(({ done, total }) => `${done}/${total}`)).toEqual(['1/2', '2/2']);
    expect(progress.map(({ peer }) => peer).sort((a, b) => a.nodeId.localeCompare(b.nodeId))).toEqual([
      { nodeId: 'node2', isAnnounced: true },
      { nodeId: 'node3', isAnnounced: false },
    ]);
    expect(failures).toEqual([expect.stringContaining('deleteNodeInCluster on node node3 failed')]);
    const node3 = await plane.viewer.node.get({ nodeId: 'node3' });
    expect(node3).toMatchObject({
      status: 'degraded',
      statusReason: expect.stringContaining('deleteNodeInCluster(node1) not yet applied'),
    });
    expect(
      node3.pendingChanges.map(({ nodeId, kind, subjectId }) => `${nodeId} ${kind} ${subjectId}`),
    ).toEqual(['node3 deleteNodeInCluster node1']);
    expect((await plane.viewer.node.get({ nodeId: 'node2' })).status).toBe('ready');
  });

  it('completes the announcement when the progress callback throws', async () => {
    fake.setDown({ url: agents[2]?.url ?? '', isDown: false });
    const { failures } = await announceNode1(() => {
      throw new Error('progress display went away');
    });
    expect(failures).toEqual([]);
    const node3 = await plane.viewer.node.get({ nodeId: 'node3' });
    expect(node3.pendingChanges).toEqual([]);
  });
});
