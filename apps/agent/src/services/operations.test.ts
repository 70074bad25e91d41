import { NetcoreError } from '@kudo/netcore';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createEventLog } from './event-log.js';
import { createAgentMetrics } from './metrics.js';
import { createOperations } from './operations.js';

const createTestOperations = ({ timeoutMs = 60_000 }: { timeoutMs?: number } = {}) => {
  const events = createEventLog({ epoch: 'abcd' });
  const metrics = createAgentMetrics({ nodeId: 'n1' });
  const operations = createOperations({
    nodeId: 'n1',
    timeoutMs,
    events,
    metrics,
    logger: pino({ level: 'silent' }),
  });
  const phases = () => events.listAfter(undefined).map((event) => `${event.operation} ${event.phase}`);
  return { operations, events, metrics, phases };
};

describe('createOperations', () => {
  it('records concurrent mutations as started/finished pairs that never interleave', async () => {
    const { operations, phases } = createTestOperations();
    await Promise.all(
      ['a', 'b', 'c'].map((operation) =>
        operations.runMutation({ operation, input: {}, work: async () => operation }),
      ),
    );
    expect(phases()).toEqual([
      'a started',
      'a finished',
      'b started',
      'b finished',
      'c started',
      'c finished',
    ]);
  });

  it('gives a failure to the caller and to the stream with its netcore code and field', async () => {
    const { operations, events, metrics } = createTestOperations();
    const failure = new NetcoreError({ code: 'CONFLICT', field: 'ports.0.hostPort', reason: 'taken' });
    await expect(
      operations.runMutation({
        operation: 'setupInstance',
        input: {},
        work: async () => {
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(events.listAfter(undefined).at(-1)).toMatchObject({
      phase: 'failed',
      error: { code: 'CONFLICT', field: 'ports.0.hostPort', reason: 'taken' },
    });
    expect(await metrics.render()).toContain(
      'kudo_agent_operation_errors_total{operation="setupInstance",code="CONFLICT",node_id="n1"} 1',
    );
  });

  it('a timed-out mutation fails once, with TIMEOUT, and its late end adds no event', async () => {
    const { operations, phases } = createTestOperations({ timeoutMs: 1 });
    let finish: (value: unknown) => void = () => undefined;
    const slow = new Promise((resolve) => {
      finish = resolve;
    });
    const error = await operations
      .runMutation({ operation: 'slow', input: {}, work: () => slow })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect(phases()).toEqual(['slow started', 'slow failed']);
    finish(undefined);
    await operations.whenIdle();
    expect(phases()).toEqual(['slow started', 'slow failed']);
  });
});
