import { NetcoreError } from '@kudo/netcore';
import { describe, expect, it, vi } from 'vitest';
import { isWebError, toWebError, WebError } from './web-error.js';

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
