import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { agentRouter } from './router.js';
import { createAgentServices } from './services/agent-services.js';
import { createCallerFactory, createInnerContext } from './trpc.js';

const createCaller = createCallerFactory(agentRouter);

const { services } = createAgentServices({
  nodeId: 'n1',
  hostNamespace: 'kudo-lab-x-node1',
  bootIdFile: '/nonexistent',
  operationTimeoutMs: 1_000,
  logger: pino({ level: 'silent' }),
});

describe('agentRouter without HTTP', () => {
  it('refuses every procedure to an unauthenticated context', async () => {
    const caller = createCaller(createInnerContext({ services, isAuthenticated: false }));
    await expect(caller.getNamespaceName({ instanceId: 'web-1' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    await expect(caller.cleanNode({ nodeId: 'n1' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers an authenticated one, with names in the host namespace', async () => {
    const caller = createCaller(createInnerContext({ services, isAuthenticated: true }));
    const { namespaceName } = await caller.getNamespaceName({ instanceId: 'web-1' });
    expect(namespaceName).toMatch(/^kudo-lab-x-node1-i-web-1-[0-9a-f]{8}$/);
  });

  it('refuses an invalid input before anything runs', async () => {
    const caller = createCaller(createInnerContext({ services, isAuthenticated: true }));
    await expect(caller.getNamespaceName({ instanceId: '-x' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
