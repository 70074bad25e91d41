import { describe, expect, it } from 'vitest';
import {
  accountLimits,
  countAttempt,
  describeRetry,
  readBlockMs,
  type ThrottleState,
} from './throttle-rules';

const now = new Date('2026-12-07T12:00:00Z');
const after = (ms: number) => new Date(now.getTime() + ms);

/** The state after `attempts` attempts in a row, each once the previous block passed. */
const replay = (attempts: number) => {
  let state: ThrottleState | null = null;
  const blocks: number[] = [];
  let at = now;
  for (let index = 0; index < attempts; index += 1) {
    const next = countAttempt({ state, limits: accountLimits, now: at });
    const blockMs = next.blockedUntil ? next.blockedUntil.getTime() - at.getTime() : 0;
    blocks.push(blockMs);
    state = { ...next, updatedAt: at };
    at = new Date(at.getTime() + blockMs);
  }
  return { state, blocks };
};

describe('sign-in throttle rules', () => {
  it('allows the free attempts, then blocks for a time that doubles with each further attempt', () => {
    expect(replay(7).blocks).toEqual([0, 0, 2_000, 4_000, 8_000, 16_000, 32_000]);
  });

  it('never blocks for longer than the maximum', () => {
    expect(Math.max(...replay(30).blocks)).toBe(accountLimits.maxBlockMs);
  });

  it('forgets failures after a quiet window', () => {
    const state: ThrottleState = { failures: 9, blockedUntil: null, updatedAt: now };
    expect(
      countAttempt({ state, limits: accountLimits, now: after(accountLimits.forgetAfterMs + 1) }),
    ).toEqual({
      failures: 1,
      blockedUntil: null,
    });
    expect(countAttempt({ state, limits: accountLimits, now: after(1_000) }).failures).toBe(10);
  });

  it('reads how long a key must wait, 0 once the block passed', () => {
    const state: ThrottleState = { failures: 4, blockedUntil: after(4_000), updatedAt: now };
    expect(readBlockMs({ state, now })).toBe(4_000);
    expect(readBlockMs({ state, now: after(5_000) })).toBe(0);
    expect(readBlockMs({ state: null, now })).toBe(0);
  });

  it('says when to try again in whole seconds, at least 1', () => {
    expect(describeRetry({ blockMs: 3_200 })).toBe('too many failed sign-ins: try again in 4 s');
    expect(describeRetry({ blockMs: 10 })).toBe('too many failed sign-ins: try again in 1 s');
  });
});
