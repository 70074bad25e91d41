import type { TPort } from '@kudo/netcore';
import { WebError } from '../errors/web-error.js';

export type TakenPort = { protocol: string; hostPort: number; instanceId: string };

/**
 * The first of `ports` whose host port another instance of the node already maps, as a CONFLICT naming
 * the field (`ports.<index>.hostPort`) and the owner; undefined when there is none.
 */
export const findPortConflict = ({
  ports,
  taken,
  instanceId,
  nodeId,
}: {
  ports: readonly TPort[];
  taken: readonly TakenPort[];
  instanceId: string;
  nodeId: string;
}): WebError | undefined => {
  const owners = new Map(
    taken
      .filter((port) => port.instanceId !== instanceId)
      .map((port) => [`${port.protocol}/${port.hostPort}`, port.instanceId]),
  );
  for (const [index, port] of ports.entries()) {
    const key = `${port.protocol}/${port.hostPort}`;
    const owner = owners.get(key);
    if (owner)
      return new WebError({
        code: 'CONFLICT',
        field: `ports.${index}.hostPort`,
        message: `host port ${key} on node ${nodeId} is already mapped to instance '${owner}'`,
      });
  }
  return undefined;
};
