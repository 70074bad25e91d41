import { AgentRemoteError, AgentTransportError } from '@kudo/agent/client';
import { NetcoreError } from '@kudo/netcore';
import { describe, expect, it, vi } from 'vitest';
import { isAgentRefusal, isWebError, toWebError, WebError } from './web-error.js';

describe('WebError', () => {
  it('is recognized across two copies of its module (as Next.js bundles instrumentation and routes)', async () => {
    vi.resetModules();
    const copy = await import('./web-error.js');
    expect(copy.WebError).not.toBe(WebError);
    const error = new copy.WebError({ code: 'CONFLICT', field: 'ports.0.hostPort', message: 'taken' });
    expect(error instanceof WebError).toBe(false);
    expect(isWebError(error)).toBe(true);
    expect(toWebError(error)).toBe(error);
    expect(isWebError(new Error('plain'))).toBe(false);
  });

  it("turns an agent's netcore error into a WebError that names the node and the operation", () => {
    const error = toWebError(new NetcoreError({ code: 'TIMEOUT', reason: 'no answer in time' }), {
      nodeId: 'node1',
      operation: 'setupNode',
    });
    expect(error).toMatchObject({
      code: 'AGENT_UNREACHABLE',
      agentCode: 'TIMEOUT',
      nodeId: 'node1',
      message: 'setupNode on node node1 failed: no answer in time',
    });
  });

  it('never repeats the message of an unexpected error, which may quote secrets', () => {
    const error = toWebError(new TypeError('invalid invocation: { agentToken: "s3cret" }'));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).not.toContain('s3cret');
  });
});

describe('toWebError of an agent call', () => {
  it.each([
    ['unreachable', 'AGENT_UNREACHABLE'],
    ['timeout', 'AGENT_UNREACHABLE'],
    ['unauthorised', 'AGENT_UNAUTHORIZED'],
    ['incompatible', 'AGENT_INCOMPATIBLE'],
  ] as const)('a call that did not get through (%s) is %s, with no netcore code', (kind, code) => {
    const error = toWebError(new AgentTransportError({ kind, reason: 'why' }), {
      nodeId: 'node1',
      operation: 'setupNode',
    });
    expect(error).toMatchObject({ code, transport: kind, agentCode: undefined, nodeId: 'node1' });
    expect(error.message).toBe('setupNode on node node1 failed: why');
  });

  it("a wrong token is netcore's PERMISSION_DENIED no more: that code is the node's own failure", () => {
    const error = toWebError(new NetcoreError({ code: 'PERMISSION_DENIED', reason: 'not root' }));
    expect(error).toMatchObject({
      code: 'AGENT_FAILED',
      agentCode: 'PERMISSION_DENIED',
      transport: undefined,
    });
  });

  it("an agent's answer keeps netcore's code and translates its field to the web request's", () => {
    const answer = new AgentRemoteError({
      netcore: { code: 'CONFLICT', field: 'instanceIpCidr', reason: 'in use' },
      trpcCode: 'CONFLICT',
      message: 'instanceIpCidr: in use',
    });
    expect(isAgentRefusal(answer)).toBe(true);
    const error = toWebError(answer, {
      nodeId: 'node1',
      operation: 'setupInstance',
      request: 'instance.create',
    });
    expect(error).toMatchObject({ code: 'CONFLICT', agentCode: 'CONFLICT', field: 'ipAddr' });
    // Without the web request, netcore's field names no input of any form.
    expect(toWebError(answer, { nodeId: 'node1', operation: 'setupInstance' }).field).toBeUndefined();
  });

  it("an agent's own failure, without netcore data, is AGENT_FAILED and no refusal", () => {
    const answer = new AgentRemoteError({
      netcore: undefined,
      trpcCode: 'INTERNAL_SERVER_ERROR',
      message: 'boom',
    });
    expect(isAgentRefusal(answer)).toBe(false);
    expect(toWebError(answer)).toMatchObject({ code: 'AGENT_FAILED', agentCode: undefined });
  });
});
