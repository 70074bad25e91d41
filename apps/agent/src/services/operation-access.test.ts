import { describe, expect, it } from 'vitest';
import { toOperationAccess } from './operation-access.js';

describe('toOperationAccess', () => {
  it('shares instance changes, keyed by their instance', () => {
    expect(toOperationAccess({ operation: 'setupInstance', input: { instanceId: 'web-1' } })).toEqual({
      mode: 'shared',
      keys: ['instance:web-1'],
    });
    expect(toOperationAccess({ operation: 'cniDel', input: { instanceId: 'c-1', nodeId: 'n1' } })).toEqual({
      mode: 'shared',
      keys: ['instance:c-1'],
    });
    expect(
      toOperationAccess({
        operation: 'setupInstances',
        input: { instances: [{ instanceId: 'a' }, { instanceId: 'b' }] },
      }),
    ).toEqual({ mode: 'shared', keys: ['instance:a', 'instance:b'] });
  });

  it('shares peer changes, keyed by the peer node', () => {
    expect(
      toOperationAccess({ operation: 'addOtherNodes', input: [{ nodeId: 'n2' }, { nodeId: 'n3' }] }),
    ).toEqual({
      mode: 'shared',
      keys: ['peer:n2', 'peer:n3'],
    });
  });

  it('runs node changes, unknown operations and inputs that name no key alone', () => {
    for (const operation of [
      'setupNode',
      'setupIptables',
      'cleanNode',
      'cleanOrphans',
      'credentials.install',
    ])
      expect(toOperationAccess({ operation, input: { nodeId: 'n1' } })).toEqual({ mode: 'exclusive' });
    expect(toOperationAccess({ operation: 'setupInstance', input: {} })).toEqual({ mode: 'exclusive' });
    expect(toOperationAccess({ operation: 'setupInstances', input: { instances: [] } })).toEqual({
      mode: 'exclusive',
    });
    expect(toOperationAccess({ operation: 'addOtherNodes', input: [] })).toEqual({ mode: 'exclusive' });
  });
});
