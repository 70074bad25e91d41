import { WebError } from '../errors/web-error.js';
import { findRuntimeOwner, runtimeOwnedRemedies, type SourcedInstance } from './instance-ownership.js';

/**
 * Refuses a change to a CNI instance (PRECONDITION_FAILED on `instanceId`): the runtime made it through the
 * node's agent and removes it when the container stops; the control plane only records it.
 */
export const refuseRuntimeOwned = ({
  instanceId,
  instance,
  change,
}: {
  instanceId: string;
  instance: SourcedInstance;
  change: keyof typeof runtimeOwnedRemedies;
}) => {
  const owner = findRuntimeOwner(instance);
  if (owner)
    throw new WebError({
      code: 'PRECONDITION_FAILED',
      field: 'instanceId',
      message: `instance '${instanceId}' is owned by ${owner}: ${runtimeOwnedRemedies[change]}`,
    });
};
