import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, readTestProvider } from '../testing/test-database.js';
import { claimLease, releaseLease } from './lease.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, seconds));

describe(`a control-plane lease on ${readTestProvider()}`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database.remove());
  const claim = ({ holder, now }: { holder: string; now: Date }) =>
    claimLease({ db: database.db, name: 'health-monitor', holder, ttlMs: 30_000, now });

  it('is held by one replica while it renews, and taken over once it expired', async () => {
    expect(await claim({ holder: 'a', now: at(0) })).toBe(true);
    expect(await claim({ holder: 'b', now: at(1) })).toBe(false);
    expect(await claim({ holder: 'a', now: at(20) })).toBe(true); // renewed until 50
    expect(await claim({ holder: 'b', now: at(40) })).toBe(false);
    expect(await claim({ holder: 'b', now: at(51) })).toBe(true); // a stopped renewing: b takes over
    expect(await claim({ holder: 'a', now: at(52) })).toBe(false);
  });

  it('goes to exactly one of two replicas claiming at once, and is free again once released', async () => {
    const results = await Promise.all(['a', 'b'].map((holder) => claim({ holder, now: at(0) })));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? 'a' : 'b';
    await releaseLease({ db: database.db, name: 'health-monitor', holder: winner });
    expect(await claim({ holder: winner === 'a' ? 'b' : 'a', now: at(1) })).toBe(true);
  });
});
