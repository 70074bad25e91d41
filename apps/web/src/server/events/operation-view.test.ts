import { describe, expect, it } from 'vitest';
import type { AgentOperationEvent } from '../agents/agent-gateway.js';
import {
  applyAgentEvent,
  applyControlPlaneChange,
  describeSubject,
  markOutcomeUnknown,
  type OperationView,
} from './operation-view.js';

const base = { nodeId: 'node1', operationId: 'op-1', operation: 'setupInstance' };
const started: AgentOperationEvent = {
  ...base,
  id: 'ab-1',
  at: '2025-01-01T10:00:00.000Z',
  phase: 'started',
  input: { nodeId: 'node1', instanceId: 'web-1', ports: [] },
  waitedMs: 12,
};

describe('describeSubject', () => {
  it('names the instance, the node, or counts what a bulk call carries', () => {
    expect(describeSubject({ nodeId: 'node1', instanceId: 'web-1' })).toBe('web-1');
    expect(describeSubject({ nodeId: 'node3', nodeIp: {} })).toBe('node3');
    expect(describeSubject({ nodeId: 'node1', instances: [{}, {}, {}] })).toBe('3 instances');
    expect(describeSubject([{ nodeId: 'node2' }])).toBe('1 node');
    expect(describeSubject({ known: { nodeIds: [] } })).toBeNull();
    expect(describeSubject(undefined)).toBeNull();
    expect(describeSubject({ instanceId: 'x'.repeat(200) })).toHaveLength(80);
  });
});

describe('applyAgentEvent', () => {
  it('a started operation runs with its subject and queue wait, then finishes with its duration', () => {
    const running = applyAgentEvent({ previous: undefined, nodeName: 'Rack 1', event: started });
    expect(running).toMatchObject({
      key: 'agent:node1:op-1',
      source: 'agent',
      nodeId: 'node1',
      nodeName: 'Rack 1',
      operation: 'setupInstance',
      subject: 'web-1',
      status: 'running',
      startedAt: started.at,
      waitedMs: 12,
      endedAt: null,
    });
    const finished = applyAgentEvent({
      previous: running,
      nodeName: 'Rack 1',
      event: { ...base, id: 'ab-2', at: '2025-01-01T10:00:00.250Z', phase: 'finished', durationMs: 250 },
    });
    expect(finished).toMatchObject({ status: 'finished', durationMs: 250, subject: 'web-1', error: null });
  });

  it('a failed operation carries the code, field and reason of its error', () => {
    const failed = applyAgentEvent({
      previous: applyAgentEvent({ previous: undefined, nodeName: 'node1', event: started }),
      nodeName: 'node1',
      event: {
        ...base,
        id: 'ab-2',
        at: '2025-01-01T10:00:01.000Z',
        phase: 'failed',
        durationMs: 1000,
        error: { code: 'CONFLICT', field: 'ports.0.hostPort', reason: 'host port 80 is taken' },
      },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'CONFLICT', field: 'ports.0.hostPort', reason: 'host port 80 is taken' },
    });
  });

  it('an end whose start was never seen still gives the whole operation', () => {
    const finished = applyAgentEvent({
      previous: undefined,
      nodeName: 'node1',
      event: { ...base, id: 'ab-9', at: '2025-01-01T10:00:02.000Z', phase: 'finished', durationMs: 2000 },
    });
    expect(finished).toMatchObject({
      status: 'finished',
      startedAt: '2025-01-01T10:00:00.000Z',
      endedAt: '2025-01-01T10:00:02.000Z',
      subject: null,
    });
  });
});

describe('applyControlPlaneChange', () => {
  const at = '2025-01-01T10:00:00.000Z';
  const start = (): OperationView | undefined =>
    applyControlPlaneChange({
      previous: undefined,
      change: {
        operationId: 'c1',
        at,
        phase: 'started',
        action: 'node.add',
        actor: 'alice',
        targetType: 'node',
        targetId: 'http://10.1.0.5:7070',
      },
    });

  it('runs with its progress, settles its target, and ends', () => {
    const running = start();
    expect(running).toMatchObject({ key: 'control-plane:c1', status: 'running', actor: 'alice' });
    const progressed = applyControlPlaneChange({
      previous: running,
      change: {
        operationId: 'c1',
        at,
        phase: 'progress',
        targetId: 'node4',
        progress: { step: 2, total: 4, what: 'announced to node2' },
      },
    });
    expect(progressed).toMatchObject({
      subject: 'node4',
      nodeId: 'node4',
      progress: { step: 2, total: 4, what: 'announced to node2' },
    });
    const failed = applyControlPlaneChange({
      previous: progressed,
      change: {
        operationId: 'c1',
        at: '2025-01-01T10:00:03.000Z',
        phase: 'failed',
        targetId: 'node4',
        durationMs: 3000,
        error: { code: 'AGENT_UNREACHABLE', field: null, reason: 'no answer' },
      },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      durationMs: 3000,
      progress: { step: 2, total: 4 },
      error: { code: 'AGENT_UNREACHABLE', reason: 'no answer' },
    });
  });

  it('drops progress of an operation it never saw start', () => {
    expect(
      applyControlPlaneChange({
        previous: undefined,
        change: {
          operationId: 'c2',
          at,
          phase: 'progress',
          targetId: 'node1',
          progress: { step: 1, total: 2, what: '' },
        },
      }),
    ).toBeUndefined();
  });

  it('an operation whose end will never be heard ends as unknown, with the reason', () => {
    const running = start();
    if (!running) throw new Error('expected an operation');
    expect(
      markOutcomeUnknown({ previous: running, at: '2025-01-01T10:00:05.000Z', reason: 'agent restarted' }),
    ).toMatchObject({
      status: 'unknown',
      durationMs: 5000,
      error: { code: 'UNKNOWN_OUTCOME', reason: 'agent restarted' },
    });
  });
});
