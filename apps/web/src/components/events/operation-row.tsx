import { formatAgo, formatDuration } from '../../client/format';
import type { OperationView } from '../../client/trpc';

/** Control-plane changes as something being done (the audit log says what was done). */
const controlPlaneLabels: Record<string, string> = {
  'node.add': 'Add node',
  'node.remove': 'Remove node',
  'node.retry': 'Retry node',
  'node.reapply': 'Re-apply node',
  'instance.create': 'Create instance',
  'instance.delete': 'Delete instance',
  'portMapping.set': 'Set port mappings of',
  'inspection.reconcile': 'Fix drift on',
  'inspection.cleanOrphans': 'Clean orphans on',
  'cluster.updateSettings': 'Change the address plan',
};

const badgeByStatus: Record<OperationView['status'], { tone: string; label: string }> = {
  running: { tone: 'badge-blue', label: 'running' },
  finished: { tone: 'badge-green', label: 'ok' },
  failed: { tone: 'badge-red', label: 'failed' },
  unknown: { tone: '', label: 'unknown' },
};

/** `running for 3.2 s`, `finished in 40 ms · just now`, `failed after 1.2 s · 2 min ago`. */
export const describeTiming = ({ operation, now }: { operation: OperationView; now: number }) => {
  if (operation.status === 'running') {
    const elapsed = formatDuration(Math.max(0, now - Date.parse(operation.startedAt)));
    const waited = operation.waitedMs
      ? ` · waited ${formatDuration(operation.waitedMs)} in the agent's queue`
      : '';
    return `running for ${elapsed}${waited}`;
  }
  const duration = formatDuration(operation.durationMs ?? 0);
  const when = formatAgo({ at: operation.endedAt, now });
  if (operation.status === 'finished') return `finished in ${duration} · ${when}`;
  if (operation.status === 'failed') return `failed after ${duration} · ${when}`;
  return `outcome unknown · ${when}`;
};

const ProgressBar = ({ progress }: { progress: NonNullable<OperationView['progress']> }) => {
  const percent = progress.total === 0 ? 100 : Math.round((progress.step / progress.total) * 100);
  return (
    <div
      className="op-progress"
      data-testid="operation-progress"
      data-step={progress.step}
      data-total={progress.total}
    >
      <div
        className="op-progress-track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.step}
        aria-label={`step ${progress.step} of ${progress.total}`}
      >
        <div className="op-progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <div className="op-progress-label">
        <span className="op-progress-count">
          {progress.step} of {progress.total}
        </span>{' '}
        {progress.what}
      </div>
    </div>
  );
};

/**
 * One operation: what it does to what, how long it has run or took, its progress (long control-plane
 * changes), and how it failed (the code, the field at fault, the reason).
 */
export const OperationRow = ({ operation, now }: { operation: OperationView; now: number }) => {
  const badge = badgeByStatus[operation.status];
  const isControlPlane = operation.source === 'control-plane';
  return (
    <li
      className="item op-item"
      data-testid="operation"
      data-source={operation.source}
      data-operation={operation.operation}
      data-subject={operation.subject ?? ''}
      data-status={operation.status}
    >
      <span
        className={`timeline-dot ${operation.status === 'finished' ? '' : operation.status}`}
        aria-hidden="true"
      />
      <div className="item-main">
        <div className="item-title">
          {isControlPlane ? (
            (controlPlaneLabels[operation.operation] ?? operation.operation)
          ) : (
            <span className="mono op-name">{operation.operation}</span>
          )}{' '}
          {operation.subject ? <span className="mono op-subject">{operation.subject}</span> : null}
        </div>
        <div className="item-detail">
          {describeTiming({ operation, now })}
          {operation.actor ? ` · by ${operation.actor}` : ''}
        </div>
        {operation.progress ? <ProgressBar progress={operation.progress} /> : null}
        {operation.error ? (
          <div className="op-error" data-testid="operation-error">
            <span className="op-error-code">{operation.error.code}</span>
            {operation.error.field ? <span className="mono">{operation.error.field}</span> : null}
            <span>{operation.error.reason}</span>
          </div>
        ) : null}
      </div>
      <span className={`badge ${badge.tone}`}>
        {operation.status === 'running' ? <span className="spinner spinner-sm" aria-hidden="true" /> : null}
        {badge.label}
      </span>
    </li>
  );
};
