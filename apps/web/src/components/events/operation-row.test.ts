import { describe, expect, it } from 'vitest';
import { describeTiming } from './operation-row';
import { makeOperationView as operation, operationStartedAt as startedAt } from './testing/operation-view';

const now = Date.parse(startedAt) + 3_200;

describe('describeTiming', () => {
  it('says how long a running operation has run, and how long it waited in the queue', () => {
    expect(describeTiming({ operation: operation({}), now })).toBe('running for 3.2 s');
    expect(describeTiming({ operation: operation({ waitedMs: 450 }), now })).toBe(
      "running for 3.2 s · waited 450 ms in the agent's queue",
    );
  });

  it('says how an ended operation ended, how long it took, and when', () => {
    const ended = { endedAt: startedAt, durationMs: 40 };
    expect(describeTiming({ operation: operation({ ...ended, status: 'finished' }), now })).toBe(
      'finished in 40 ms · just now',
    );
    expect(
      describeTiming({ operation: operation({ ...ended, status: 'failed', durationMs: 1200 }), now }),
    ).toBe('failed after 1.2 s · just now');
    expect(
      describeTiming({ operation: operation({ ...ended, status: 'unknown' }), now: now + 120_000 }),
    ).toBe('outcome unknown · 2 min ago');
  });
});
