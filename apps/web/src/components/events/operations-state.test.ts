import { describe, expect, it } from 'vitest';
import { applyOperationUpdate, emptyOperationsState, groupOperations } from './operations-state';
import { makeOperationView as operation } from './testing/operation-view';

describe('applyOperationUpdate', () => {
  it('replaces an operation by its key with its latest state', () => {
    const running = applyOperationUpdate({
      state: emptyOperationsState,
      id: 'e1-1',
      operation: operation({ key: 'a' }),
    });
    const finished = applyOperationUpdate({
      state: running,
      id: 'e1-2',
      operation: operation({ key: 'a', status: 'finished', durationMs: 40 }),
    });
    expect([...finished.byKey.values()]).toEqual([
      operation({ key: 'a', status: 'finished', durationMs: 40 }),
    ]);
  });

  it('starts over when the updates come from a restarted control plane', () => {
    const before = applyOperationUpdate({
      state: emptyOperationsState,
      id: 'e1-1',
      operation: operation({ key: 'stale' }),
    });
    const after = applyOperationUpdate({ state: before, id: 'e2-1', operation: operation({ key: 'fresh' }) });
    expect([...after.byKey.keys()]).toEqual(['fresh']);
  });

  it('keeps every running operation and the last hundred ended ones', () => {
    let state = applyOperationUpdate({
      state: emptyOperationsState,
      id: 'e1-0',
      operation: operation({ key: 'long' }),
    });
    for (let index = 1; index <= 120; index += 1)
      state = applyOperationUpdate({
        state,
        id: `e1-${index}`,
        operation: operation({ key: `op-${index}`, status: 'finished' }),
      });
    expect(state.byKey.size).toBe(101);
    expect(state.byKey.has('long')).toBe(true);
    expect(state.byKey.has('op-20')).toBe(false);
    expect(state.byKey.has('op-21')).toBe(true);
  });
});

describe('groupOperations', () => {
  it('puts the control plane first, then each node by name, running ones apart from ended ones', () => {
    const groups = groupOperations({
      operations: [
        operation({
          key: 'b1',
          nodeId: 'node2',
          nodeName: 'beta',
          status: 'finished',
          endedAt: '2025-01-01T10:00:01Z',
        }),
        operation({
          key: 'b2',
          nodeId: 'node2',
          nodeName: 'beta',
          status: 'failed',
          endedAt: '2025-01-01T10:00:03Z',
        }),
        operation({
          key: 'b3',
          nodeId: 'node2',
          nodeName: 'beta',
          status: 'unknown',
          endedAt: '2025-01-01T10:00:02Z',
        }),
        operation({ key: 'a1', nodeId: 'node1', nodeName: 'alpha', startedAt: '2025-01-01T10:00:01Z' }),
        operation({ key: 'a2', nodeId: 'node1', nodeName: 'alpha', startedAt: '2025-01-01T10:00:05Z' }),
        operation({
          key: 'c1',
          source: 'control-plane',
          nodeId: null,
          nodeName: null,
          operation: 'node.add',
        }),
      ],
    });
    expect(
      groups.map(({ id, title, running, ended }) => ({
        id,
        title,
        running: running.map(({ key }) => key),
        ended: ended.map(({ key }) => key),
      })),
    ).toEqual([
      { id: 'control-plane', title: 'Control plane', running: ['c1'], ended: [] },
      { id: 'node1', title: 'alpha', running: ['a2', 'a1'], ended: [] },
      { id: 'node2', title: 'beta', running: [], ended: ['b2', 'b3', 'b1'] },
    ]);
  });
});
