import {
  findRuntimeOwner,
  runtimeOwnedRemedies,
  type SourcedInstance,
} from '../../server/instances/instance-ownership';

/**
 * Why the dashboard disables a change of an instance a container runtime owns (the API refuses it with
 * the same words), or undefined for an instance the control plane made.
 */
export const findRuntimeLock = ({
  instance,
  change,
}: {
  instance: SourcedInstance;
  change: keyof typeof runtimeOwnedRemedies;
}) => {
  const owner = findRuntimeOwner(instance);
  return owner ? `Owned by ${owner}: ${runtimeOwnedRemedies[change]}` : undefined;
};

/** Where a CNI instance came from: a badge, its runtime and its container id (shortened, whole on hover). */
export const CniSource = ({
  containerId,
  runtime,
}: {
  containerId: string | null;
  runtime: string | null;
}) => (
  <span className="row" style={{ gap: 6 }} data-testid="instance-source">
    <span className="badge badge-purple" title="Attached by a container runtime through the kudo CNI plugin">
      CNI
    </span>
    <span className="mono" title={containerId ?? undefined}>
      {runtime ?? 'runtime'} · {containerId ? containerId.slice(0, 12) : '—'}
    </span>
  </span>
);
