import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { type Database, type DatabaseTransaction, toStorableText } from '../db/database.js';
import { toWebError } from '../errors/web-error.js';
import type { ClusterEvent, EventBus } from '../events/event-bus.js';
import type { OperationFeed } from '../events/operation-feed.js';
import { runReportingProgress } from '../events/operation-progress.js';
import type { ControlPlanePhase } from '../events/operation-view.js';
import { timePhase } from '../http/server-timing.js';

/** Who made a change: a user's name, or `system` for the health monitor and reboot re-applies. */
export type Actor = string;
export const systemActor: Actor = 'system';

export const auditEntrySelect = {
  id: true,
  at: true,
  actor: true,
  action: true,
  targetType: true,
  targetId: true,
  result: true,
  error: true,
  details: true,
  durationMs: true,
} as const;

type AuditDeps = { db: Database; events: EventBus; operations: OperationFeed; logger: Logger };

export type AuditRecord = {
  actor: Actor;
  action: string;
  targetType: string;
  targetId: string;
  result: 'ok' | 'error';
  error?: string;
  details?: unknown;
  durationMs: number;
};

/** Writes one audit entry (in a transaction of the caller's, when it must land with the change it records). */
export const createAuditEntry = ({
  db,
  record,
}: {
  db: Pick<DatabaseTransaction, 'auditEntry'>;
  record: AuditRecord;
}) =>
  timePhase({
    phase: 'db',
    work: () =>
      db.auditEntry.create({
        data: {
          ...record,
          error: toStorableText(record.error) ?? null,
          details: record.details === undefined ? null : JSON.stringify(record.details),
        },
        select: auditEntrySelect,
      }),
  });

/** Tells live subscribers about an audit entry once it is stored. */
export const publishAuditEntry = ({
  events,
  entry,
}: {
  events: EventBus;
  entry: Awaited<ReturnType<typeof createAuditEntry>>;
}) => {
  const { details: _details, ...event } = entry;
  events.publish(event satisfies ClusterEvent);
};

/** Writes one audit entry and tells live subscribers about it. */
export const recordAudit = async ({
  deps,
  record,
}: {
  deps: Pick<AuditDeps, 'db' | 'events'>;
  record: AuditRecord;
}) => {
  const entry = await createAuditEntry({ db: deps.db, record });
  publishAuditEntry({ events: deps.events, entry });
  return entry;
};

/** What an audited action may add while it runs: its final target id and what it did. */
export type AuditNote = { targetId: string; details: Record<string, unknown> };

/**
 * Runs a change and records it in the audit log, whatever its outcome: who, what, on what, the result or
 * the error, and how long it took. Failures come out as WebError. While it runs, it is an operation on
 * the live feed (started, its progress from `startProgress`, then finished or failed).
 */
export const runAudited = async <T>({
  deps,
  actor,
  action,
  targetType,
  targetId,
  details = {},
  work,
}: {
  deps: AuditDeps;
  actor: Actor;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
  work: (note: AuditNote) => Promise<T>;
}): Promise<T> => {
  const startedAt = performance.now();
  const note: AuditNote = { targetId, details };
  const operationId = randomUUID();
  // On this control plane's feed at once, and on the other replicas' through the bus.
  const publish = (phase: ControlPlanePhase) => {
    const change = { operationId, at: new Date().toISOString(), ...phase };
    deps.operations.publishControlPlaneChange({ change });
    deps.events.shareOperation(change);
  };
  const elapsedMs = () => Math.round(performance.now() - startedAt);
  publish({ phase: 'started', action, actor, targetType, targetId });
  const finish = (outcome: { result: 'ok' } | { result: 'error'; error: string }) =>
    recordAudit({
      deps,
      record: {
        actor,
        action,
        targetType,
        targetId: note.targetId,
        details: Object.keys(note.details).length > 0 ? note.details : undefined,
        durationMs: elapsedMs(),
        ...outcome,
      },
    });
  try {
    const value = await runReportingProgress({
      onProgress: (progress) => publish({ phase: 'progress', targetId: note.targetId, progress }),
      work: () => work(note),
    });
    publish({ phase: 'finished', targetId: note.targetId, durationMs: elapsedMs() });
    await finish({ result: 'ok' });
    return value;
  } catch (error) {
    const webError = toWebError(error);
    if (webError.code === 'INTERNAL') deps.logger.error({ err: error, action }, 'internal error');
    publish({
      phase: 'failed',
      targetId: note.targetId,
      durationMs: elapsedMs(),
      error: { code: webError.code, field: webError.field ?? null, reason: webError.message },
    });
    await finish({ result: 'error', error: webError.message });
    throw webError;
  }
};

/** Audit entries, newest first, a page at a time (`cursor`: the last id of the previous page). */
export const listAuditEntries = async ({
  db,
  cursor,
  limit,
  targetType,
  targetId,
  user,
}: {
  db: Database;
  cursor?: number;
  limit: number;
  targetType?: string;
  targetId?: string;
  /** A user's name: their changes, in the browser or through any of their API tokens. */
  user?: string;
}) => {
  const entries = await db.auditEntry.findMany({
    where: {
      ...(cursor === undefined ? {} : { id: { lt: cursor } }),
      ...(targetType ? { targetType } : {}),
      ...(targetId ? { targetId } : {}),
      ...(user ? { OR: [{ actor: user }, { actor: { startsWith: `${user} (token ` } }] } : {}),
    },
    orderBy: { id: 'desc' },
    take: limit,
    select: auditEntrySelect,
  });
  return {
    entries: entries.map((entry) => ({
      ...entry,
      details: entry.details ? (JSON.parse(entry.details) as unknown) : null,
    })),
    nextCursor: entries.length === limit ? entries.at(-1)?.id : undefined,
  };
};

/**
 * Every event after `lastEventId` from the audit log, then live ones as they happen, without a gap or a
 * duplicate. Live events are told apart from the backlog by id, not by order: replicas on one PostgreSQL
 * database commit (and announce) their entries in any order, so a live id below the last one yielded is
 * still news.
 */
export async function* followEvents({
  deps,
  lastEventId,
  signal,
}: {
  deps: Pick<AuditDeps, 'db' | 'events'>;
  lastEventId?: number;
  signal?: AbortSignal;
}): AsyncGenerator<ClusterEvent> {
  // Ends the live listener when the caller aborts or stops iterating (return()), whichever comes first.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const live = deps.events.listen({ signal: stop.signal });
  try {
    // The first next() subscribes at once: what is published while the backlog is read waits in the queue.
    const first = live.next();
    const fromBacklog = new Set<number>();
    const backlog =
      lastEventId === undefined
        ? []
        : await deps.db.auditEntry.findMany({
            where: { id: { gt: lastEventId } },
            orderBy: { id: 'asc' },
            take: 1000,
            select: auditEntrySelect,
          });
    for (const { details: _details, ...event } of backlog) {
      fromBacklog.add(event.id);
      yield event;
    }
    for (let next = await first; !next.done; next = await live.next())
      // Only the backlog can repeat a live event (one published while it was read).
      if (!fromBacklog.has(next.value.id)) yield next.value;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop.abort();
  }
}
