import type { ServiceDeps } from '../deps.js';
import { WebError } from '../errors/web-error.js';
import { publicInstanceSelect } from './instance-model.js';

/** Instances, of one node or all, oldest first. */
export const listInstances = ({ deps, nodeId }: { deps: ServiceDeps; nodeId?: string }) =>
  deps.db.instance.findMany({
    where: nodeId ? { nodeId } : {},
    select: publicInstanceSelect,
    orderBy: { createdAt: 'asc' },
  });

export const getInstance = async ({ deps, instanceId }: { deps: ServiceDeps; instanceId: string }) => {
  const instance = await deps.db.instance.findUnique({
    where: { id: instanceId },
    select: publicInstanceSelect,
  });
  if (!instance)
    throw new WebError({ code: 'NOT_FOUND', field: 'instanceId', message: `no instance '${instanceId}'` });
  return instance;
};
