const toneByStatus: Record<string, string> = {
  ready: 'green',
  running: 'green',
  ok: 'green',
  pending: 'blue',
  degraded: 'amber',
  drifted: 'purple',
  unreachable: 'red',
  failed: 'red',
  error: 'red',
  deleting: 'gray',
  // Users: able to sign in, waiting for their invite, or disabled.
  active: 'green',
  invited: 'blue',
  disabled: 'red',
};

const labelByStatus: Record<string, string> = {
  ok: 'ok',
  error: 'failed',
};

/** A status with its colour: green when all is well, amber degraded, purple drifted, red unreachable or failed. */
export const StatusBadge = ({ status, title }: { status: string; title?: string | null }) => (
  <span
    className={`badge badge-dot badge-${toneByStatus[status] ?? 'gray'}`}
    title={title ?? undefined}
    data-status={status}
  >
    {labelByStatus[status] ?? status}
  </span>
);
