/**
 * How an operation shares the node with others: alone (`exclusive`), or beside other shared ones
 * (`shared`), one at a time per key (an instance, a peer node), in arrival order.
 */
export type OperationAccess = { mode: 'exclusive' } | { mode: 'shared'; keys: readonly string[] };

const exclusive: OperationAccess = { mode: 'exclusive' };

const readString = (value: unknown, name: string): string | undefined => {
  if (typeof value !== 'object' || value === null || !(name in value)) return undefined;
  const field = (value as Record<string, unknown>)[name];
  return typeof field === 'string' ? field : undefined;
};

/** The key of one instance or peer; undefined when the input does not name it. */
const toKey = ({ kind, value, name }: { kind: string; value: unknown; name: string }) => {
  const id = readString(value, name);
  return id === undefined ? undefined : `${kind}:${id}`;
};

const readList = (value: unknown, name?: string): unknown[] => {
  const list =
    name === undefined
      ? value
      : typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[name]
        : undefined;
  return Array.isArray(list) && list.length > 0 ? list : [undefined];
};

const instanceKeys = (input: unknown) => [toKey({ kind: 'instance', value: input, name: 'instanceId' })];
const peerKeys = (input: unknown) => [toKey({ kind: 'peer', value: input, name: 'nodeId' })];

/**
 * The operations that may run beside others, and what they must not share. Instances and peers of one
 * node go to netcore together (its own queue keeps them correct and its group commit merges their
 * kernel work); two calls on the same instance keep their order. Everything else (the node itself,
 * orphans, credentials) runs alone: a node set up or torn down never overlaps an instance change.
 */
const sharedOperations: Record<string, (input: unknown) => (string | undefined)[]> = {
  setupInstance: instanceKeys,
  cleanInstance: instanceKeys,
  setPortMappings: instanceKeys,
  cniAdd: instanceKeys,
  cniDel: instanceKeys,
  setupInstances: (input) =>
    readList(input, 'instances').map((value) => toKey({ kind: 'instance', value, name: 'instanceId' })),
  newNodeInCluster: peerKeys,
  deleteNodeInCluster: peerKeys,
  addOtherNodes: (input) => readList(input).map((value) => toKey({ kind: 'peer', value, name: 'nodeId' })),
};

/** Pure: the access an operation takes for this (already parsed) input; exclusive when unknown. */
export const toOperationAccess = ({
  operation,
  input,
}: {
  operation: string;
  input: unknown;
}): OperationAccess => {
  const keys = sharedOperations[operation]?.(input);
  if (!keys?.every((key): key is string => key !== undefined)) return exclusive;
  return { mode: 'shared', keys };
};
