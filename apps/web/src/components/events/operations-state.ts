import type { OperationView } from '../../client/trpc';

/** What the Events page knows of the operations: by key, from one control-plane process (`epoch`). */
export type OperationsState = { epoch: string | undefined; byKey: ReadonlyMap<string, OperationView> };

export const emptyOperationsState: OperationsState = { epoch: undefined, byKey: new Map() };

/** Ended operations kept in the browser (the server keeps as many). */
const maxEnded = 100;

const readEpoch = (id: string) => id.split('-')[0];

/**
 * The state after one update of the stream. An update from another control-plane process (a new epoch
 * in its id: the server restarted) starts over, since what it had running is not its to tell any more.
 */
export const applyOperationUpdate = ({
  state,
  id,
  operation,
}: {
  state: OperationsState;
  id: string;
  operation: OperationView;
}): OperationsState => {
  const epoch = readEpoch(id);
  const byKey = new Map(epoch === state.epoch ? state.byKey : []);
  byKey.delete(operation.key);
  byKey.set(operation.key, operation);
  let ended = [...byKey.values()].filter(({ status }) => status !== 'running').length;
  for (const [key, { status }] of byKey) {
    if (ended <= maxEnded) break;
    if (status === 'running') continue;
    byKey.delete(key);
    ended -= 1;
  }
  return { epoch, byKey };
};

export type OperationGroup = {
  /** `control-plane`, or the node's id. */
  id: string;
  title: string;
  running: OperationView[];
  /** The ended ones, newest first. */
  ended: OperationView[];
};

const byStartDesc = (left: OperationView, right: OperationView) =>
  right.startedAt.localeCompare(left.startedAt);
const byEndDesc = (left: OperationView, right: OperationView) =>
  (right.endedAt ?? '').localeCompare(left.endedAt ?? '');

/**
 * The operations by where they run: the control plane first, then each node (by name), each with its
 * running operations and its ended ones, newest first. Nodes with no operation are not shown.
 */
export const groupOperations = ({
  operations,
}: {
  operations: Iterable<OperationView>;
}): OperationGroup[] => {
  const groups = new Map<string, { title: string; operations: OperationView[] }>();
  for (const operation of operations) {
    const id = operation.source === 'control-plane' ? 'control-plane' : (operation.nodeId ?? 'unknown');
    const title =
      operation.source === 'control-plane'
        ? 'Control plane'
        : (operation.nodeName ?? operation.nodeId ?? '?');
    const group = groups.get(id) ?? { title, operations: [] };
    // A node renamed: its latest name wins.
    group.title = title;
    group.operations.push(operation);
    groups.set(id, group);
  }
  return [...groups.entries()]
    .map(([id, { title, operations: list }]) => ({
      id,
      title,
      running: list.filter(({ status }) => status === 'running').sort(byStartDesc),
      ended: list.filter(({ status }) => status !== 'running').sort(byEndDesc),
    }))
    .sort((left, right) =>
      left.id === 'control-plane'
        ? -1
        : right.id === 'control-plane'
          ? 1
          : left.title.localeCompare(right.title),
    );
};
