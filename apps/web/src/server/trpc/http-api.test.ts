import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeAgentGateway } from '../testing/fake-agent-gateway.js';
import { createFakeAgentPlane, type FakeAgentPlane } from '../testing/fake-agent-plane.js';
import { callHttp, type HttpRequest } from '../testing/http-call.js';
import { testViewer } from '../testing/test-services.js';

/** The router as a browser reaches it: HTTP status, error shape and payloads, through tRPC's fetch adapter. */
let database: FakeAgentPlane['database'];
const fake = createFakeAgentGateway();
const agent = fake.addAgent({ nodeId: 'node1', token: 'never-show-this-token' });
let plane: FakeAgentPlane['plane'];

const call = async (request: HttpRequest) => {
  const response = await callHttp({ services: plane.services, ...request });
  return { status: response.status, text: await response.text() };
};

beforeAll(async () => {
  ({ database, plane } = await createFakeAgentPlane({ gateway: fake.gateway, nodes: [agent] }));
  await plane.admin.instance.create({
    nodeId: 'node1',
    instanceId: 'web-1',
    ports: [{ hostPort: 80, instancePort: 80 }],
  });
});
afterAll(async () => {
  await database?.remove();
});

describe('the HTTP API', () => {
  it('never sends an agent token', async () => {
    for (const path of ['node.list', 'node.get', 'instance.list', 'portMapping.list', 'event.list']) {
      const { status, text } = await call({ path, input: { nodeId: 'node1' }, method: 'GET' });
      expect(status).toBe(200);
      expect(text).not.toContain(agent.token);
    }
  });

  it('answers a refused input with 400, the field, and a readable message', async () => {
    const { status, text } = await call({
      path: 'instance.create',
      input: { nodeId: 'bad id!', instanceId: 'x' },
    });
    expect(status).toBe(400);
    const { error } = JSON.parse(text);
    expect(error.message).toMatch(/^nodeId: must start with a letter or digit/);
    expect(error.data.web).toEqual({ code: 'INVALID_INPUT', field: 'nodeId' });
  });

  it('maps control-plane errors to HTTP codes and keeps their code and field', async () => {
    const conflict = await call({
      path: 'instance.create',
      input: { nodeId: 'node1', instanceId: 'web-2', ports: [{ hostPort: 80, instancePort: 81 }] },
    });
    expect(conflict.status).toBe(409);
    expect(JSON.parse(conflict.text).error.data.web).toEqual({
      code: 'CONFLICT',
      field: 'ports.0.hostPort',
    });
    fake.setDown({ url: agent.url, isDown: true });
    const unreachable = await call({ path: 'instance.delete', input: { instanceId: 'web-1' } });
    fake.setDown({ url: agent.url, isDown: false });
    expect(unreachable.status).toBe(502);
    expect(JSON.parse(unreachable.text).error.data.web).toEqual({
      code: 'AGENT_UNREACHABLE',
      nodeId: 'node1',
    });
  });

  it('refuses anonymous reads (401) and viewer changes (403)', async () => {
    expect((await call({ path: 'node.list', user: null, method: 'GET' })).status).toBe(401);
    expect((await call({ path: 'node.retry', input: { nodeId: 'node1' }, user: testViewer })).status).toBe(
      403,
    );
  });
});
