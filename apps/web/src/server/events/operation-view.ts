import type { AgentOperationEvent } from '../agents/agent-gateway.js';

/** How far a long control-plane operation is: step `step` of `total`, and what it is doing. */
export type OperationProgress = { step: number; total: number; what: string };

export type OperationError = { code: string; field: string | null; reason: string };

/**
 * One operation as the Events page shows it: a node agent's mutation (`setupInstance` on node1) or a
 * control-plane change (`node.add`), running or ended. `unknown`: it was running when its agent restarted
 * or stopped being followed, so how it ended was never heard.
 */
export type OperationView = {
  /** Unique across sources: `agent:<nodeId>:<operationId>` or `control-plane:<operationId>`. */
  key: string;
  source: 'agent' | 'control-plane';
  /** The node whose agent runs it; for a control-plane change, the node it is about (if it is about one). */
  nodeId: string | null;
  nodeName: string | null;
  /** The agent's procedure (`setupInstance`) or the control plane's action (`node.add`). */
  operation: string;
  /** What it acts on: an instance or node id, `3 instances`, the change's target. */
  subject: string | null;
  /** Who asked (control-plane changes only). */
  actor: string | null;
  status: 'running' | 'finished' | 'failed' | 'unknown';
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  /** How long the call waited in the agent's queue before it started. */
  waitedMs: number | null;
  progress: OperationProgress | null;
  error: OperationError | null;
};

/** What runAudited reports of a control-plane change as it runs. */
export type ControlPlanePhase =
  | { phase: 'started'; action: string; actor: string; targetType: string; targetId: string }
  | { phase: 'progress'; targetId: string; progress: OperationProgress }
  | { phase: 'finished'; targetId: string; durationMs: number }
  | { phase: 'failed'; targetId: string; durationMs: number; error: OperationError };

export type ControlPlaneChange = { operationId: string; at: string } & ControlPlanePhase;

const maxSubjectLength = 80;

const readString = (record: Record<string, unknown>, name: string) => {
  const value = record[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/**
 * What an agent call acts on, read from its input: the instance, the node (or the other node it is told
 * about), or how many instances or nodes a bulk call carries. The input itself never leaves the server.
 */
export const describeSubject = (input: unknown): string | null => {
  if (Array.isArray(input)) return `${input.length} ${input.length === 1 ? 'node' : 'nodes'}`;
  if (!input || typeof input !== 'object') return null;
  const record = input as Record<string, unknown>;
  const instances = record.instances;
  const subject = Array.isArray(instances)
    ? `${instances.length} ${instances.length === 1 ? 'instance' : 'instances'}`
    : (readString(record, 'instanceId') ?? readString(record, 'nodeId'));
  return subject ? subject.slice(0, maxSubjectLength) : null;
};

/** The key of an agent's operation: the agent's operation id, within its node. */
export const toAgentOperationKey = ({ nodeId, operationId }: { nodeId: string; operationId: string }) =>
  `agent:${nodeId}:${operationId}`;

const shiftTime = ({ at, ms }: { at: string; ms: number }) => new Date(Date.parse(at) - ms).toISOString();

/**
 * The operation after one of its agent's events. An end whose start was never seen (it happened before
 * the stream was followed) still gives a whole operation: its start is its end minus its duration.
 */
export const applyAgentEvent = ({
  previous,
  nodeName,
  event,
}: {
  previous: OperationView | undefined;
  nodeName: string;
  event: AgentOperationEvent;
}): OperationView => {
  const base: OperationView = previous ?? {
    key: toAgentOperationKey(event),
    source: 'agent',
    nodeId: event.nodeId,
    nodeName,
    operation: event.operation,
    subject: null,
    actor: null,
    status: 'running',
    startedAt: event.phase === 'started' ? event.at : shiftTime({ at: event.at, ms: event.durationMs }),
    endedAt: null,
    durationMs: null,
    waitedMs: null,
    progress: null,
    error: null,
  };
  if (event.phase === 'started')
    return { ...base, nodeName, subject: describeSubject(event.input), waitedMs: event.waitedMs };
  const ended = { ...base, nodeName, endedAt: event.at, durationMs: event.durationMs };
  if (event.phase === 'finished') return { ...ended, status: 'finished' };
  const { code, field, reason } = event.error;
  return { ...ended, status: 'failed', error: { code, field: field ?? null, reason } };
};

/** The operation after a change of a control-plane operation; progress of an unknown one is dropped. */
export const applyControlPlaneChange = ({
  previous,
  change,
}: {
  previous: OperationView | undefined;
  change: ControlPlaneChange;
}): OperationView | undefined => {
  if (change.phase === 'started')
    return {
      key: `control-plane:${change.operationId}`,
      source: 'control-plane',
      nodeId: change.targetType === 'node' ? change.targetId : null,
      nodeName: null,
      operation: change.action,
      subject: change.targetId,
      actor: change.actor,
      status: 'running',
      startedAt: change.at,
      endedAt: null,
      durationMs: null,
      waitedMs: null,
      progress: null,
      error: null,
    };
  if (!previous) return undefined;
  // The target may be settled on the way (a node being added is known by its agent's URL until it answers).
  const target = {
    ...previous,
    subject: change.targetId,
    nodeId: previous.nodeId === null ? null : change.targetId,
  };
  if (change.phase === 'progress') return { ...target, progress: change.progress };
  const ended = { ...target, endedAt: change.at, durationMs: change.durationMs };
  if (change.phase === 'finished') return { ...ended, status: 'finished' };
  return { ...ended, status: 'failed', error: change.error };
};

/** A running operation whose end will never be heard (its agent restarted, or it is no longer followed). */
export const markOutcomeUnknown = ({
  previous,
  at,
  reason,
}: {
  previous: OperationView;
  at: string;
  reason: string;
}): OperationView => ({
  ...previous,
  status: 'unknown',
  endedAt: at,
  durationMs: Math.max(0, Date.parse(at) - Date.parse(previous.startedAt)),
  error: { code: 'UNKNOWN_OUTCOME', field: null, reason },
});
