import { WebError } from '../errors/web-error.js';

type SourcedInstance = { nodeId: string; source: string; runtime: string | null };

/** Why the control plane may not change an instance a container runtime owns, or undefined. */
export const findRuntimeOwnership = ({ nodeId, source, runtime }: SourcedInstance) =>
  source === 'cni' ? `owned by ${runtime ?? 'a container runtime'} on ${nodeId}` : undefined;

/**
 * Refuses a change to a CNI instance (PRECONDITION_FAILED on `instanceId`): the runtime made it through the
 * node's agent and removes it when the container stops; the control plane only records it.
 */
export const refuseRuntimeOwned = ({
  instanceId,
  instance,
  remedy,
}: {
  instanceId: string;
  instance: SourcedInstance;
  /** What the user does instead, e.g. "stop the container to remove it". */
  remedy: string;
}) => {
  const ownership = findRuntimeOwnership(instance);
  if (ownership)
    throw new WebError({
      code: 'PRECONDITION_FAILED',
      field: 'instanceId',
      message: `instance '${instanceId}' is ${ownership}: ${remedy}`,
    });
};
