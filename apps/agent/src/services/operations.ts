import { randomUUID } from 'node:crypto';
import { isNetcoreError } from '@kudo/netcore';
import type { Logger } from 'pino';
import type { EventLog, OperationErrorData } from './event-log.js';
import type { AgentMetrics } from './metrics.js';
import { toOperationAccess } from './operation-access.js';
import { createOperationQueue, type QueueOutcome, raceTimeout } from './operation-queue.js';

/** What a failure tells a caller and the event stream: netcore's code, field and reason when it has them. */
export const toOperationErrorData = (error: unknown): OperationErrorData => {
  if (isNetcoreError(error)) return { code: error.code, field: error.field, reason: error.reason };
  const code =
    typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
      ? error.code
      : 'INTERNAL';
  return { code, field: undefined, reason: error instanceof Error ? error.message : String(error) };
};

const secondsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * How every procedure runs: mutations through the node's queue (instance changes together, each instance's
 * in order, node changes alone: see operation-access.ts), with a time-out, a started and a finished/failed
 * event, a log line and metrics; queries alongside them, with a time-out and metrics.
 */
export const createOperations = ({
  nodeId,
  timeoutMs,
  events,
  metrics,
  logger,
}: {
  nodeId: string;
  timeoutMs: number;
  events: EventLog;
  metrics: AgentMetrics;
  logger: Logger;
}) => {
  const queue = createOperationQueue({ onDepthChange: metrics.setQueueDepth });

  const runMutation = <T>({
    operation,
    input,
    work,
  }: {
    operation: string;
    input: unknown;
    work: () => Promise<T>;
  }): Promise<T> => {
    const operationId = randomUUID();
    const queuedAt = process.hrtime.bigint();
    let startedAt = queuedAt;
    let isSettled = false;
    let isTimedOut = false;
    // The call's fields on each line, without a child logger per call (a cost on every mutation).
    const bindings = { operation, operationId };
    const record = (outcome: QueueOutcome) => {
      const durationSeconds = secondsSince(startedAt);
      const durationMs = Math.round(durationSeconds * 1000);
      if (outcome.isOk) {
        events.append({ phase: 'finished', nodeId, operationId, operation, durationMs });
        metrics.observeOperation({ operation, type: 'mutation', result: 'success', durationSeconds });
        logger.info({ ...bindings, durationMs }, 'operation finished');
        return;
      }
      const data = toOperationErrorData(outcome.error);
      events.append({ phase: 'failed', nodeId, operationId, operation, durationMs, error: data });
      metrics.observeOperation({
        operation,
        type: 'mutation',
        result: 'error',
        errorCode: data.code,
        durationSeconds,
      });
      logger.warn({ ...bindings, durationMs, error: data }, 'operation failed');
    };
    return queue
      .enqueue({
        operation,
        timeoutMs,
        access: toOperationAccess({ operation, input }),
        work,
        onStart: () => {
          startedAt = process.hrtime.bigint();
          const waitedMs = Math.round(Number(startedAt - queuedAt) / 1e6);
          events.append({ phase: 'started', nodeId, operationId, operation, input, waitedMs });
          logger.info({ ...bindings, waitedMs }, 'operation started');
        },
        // Recorded as the work ends, before the slot is released: nothing starts after a node change
        // before its end is told.
        onSettled: (outcome) => {
          isSettled = true;
          if (!isTimedOut) {
            record(outcome);
            return;
          }
          logger.warn(
            {
              ...bindings,
              durationMs: Math.round(secondsSince(startedAt) * 1000),
              ...(outcome.isOk ? {} : { error: toOperationErrorData(outcome.error) }),
            },
            outcome.isOk ? 'timed-out operation finished late' : 'timed-out operation failed late',
          );
        },
      })
      .catch((error: unknown) => {
        // Rejected while the work still runs: that is the time-out, which the caller and the stream hear now.
        if (!isSettled) {
          isTimedOut = true;
          record({ isOk: false, error });
        }
        throw error;
      });
  };

  const runQuery = async <T>({ operation, work }: { operation: string; work: () => Promise<T> }) => {
    const startedAt = process.hrtime.bigint();
    try {
      const result = await raceTimeout({ promise: Promise.resolve().then(work), timeoutMs, operation });
      metrics.observeOperation({
        operation,
        type: 'query',
        result: 'success',
        durationSeconds: secondsSince(startedAt),
      });
      return result;
    } catch (error) {
      const data = toOperationErrorData(error);
      metrics.observeOperation({
        operation,
        type: 'query',
        result: 'error',
        errorCode: data.code,
        durationSeconds: secondsSince(startedAt),
      });
      logger.warn({ operation, error: data }, 'query failed');
      throw error;
    }
  };

  return { runMutation, runQuery, whenIdle: queue.whenIdle };
};

export type Operations = ReturnType<typeof createOperations>;
