import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventBus } from '../events/event-bus.js';
import { createTestDatabase } from '../testing/test-database.js';
import { followEvents, recordAudit, systemActor } from './audit-log.js';

const record = (targetId: string) => ({
  actor: systemActor,
  action: 'node.check',
  targetType: 'node',
  targetId,
  result: 'ok' as const,
  durationMs: 1,
});

describe('following the audit log', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database.remove());

  it("yields a live event with a lower id than the last one seen (another replica's late commit), each once", async () => {
    const deps = { db: database.db, events: createEventBus() };
    const entries = [];
    for (const name of ['a', 'b', 'c']) entries.push(await recordAudit({ deps, record: record(name) }));
    const [late, seen, after] = entries.map(({ id }) => id);
    const stop = new AbortController();
    const follower = followEvents({ deps, lastEventId: seen, signal: stop.signal });
    expect((await follower.next()).value).toMatchObject({ id: after });
    // Announced now, as a replica that committed it late would: live, older than what the client saw.
    const announced = await database.db.auditEntry.findUniqueOrThrow({ where: { id: late ?? 0 } });
    const { details: _details, ...event } = announced;
    deps.events.publish(event);
    deps.events.publish({ ...event, id: after ?? 0 }); // the backlog's own entry again: not repeated
    deps.events.publish({ ...event, id: (after ?? 0) + 100 });
    expect((await follower.next()).value).toMatchObject({ id: late });
    expect((await follower.next()).value).toMatchObject({ id: (after ?? 0) + 100 });
    stop.abort();
  });
});
