import type { Host } from './host.js';

type Waiting<TItem, TResult> = {
  item: TItem;
  resolve: (result: TResult) => void;
  reject: (error: unknown) => void;
};

export type GroupCommit<TItem, TResult> = { submit: (item: TItem) => Promise<TResult> };

/**
 * Group commit, as databases do it for their log: while one group of calls is in the kernel, the calls
 * that arrive wait, and go together in the next group. A lone call (the usual case) runs at once through
 * `runOne`, today's single path; several go through `runMany`, which settles each caller on its own: one
 * outcome per item, in order. A `runMany` that throws fails no caller by itself: every item of the group
 * then runs through `runOne`, so each caller still gets its own result or its own error.
 */
export const createGroupCommit = <TItem, TResult>({
  runOne,
  runMany,
  schedule = (work) => work(),
  maxGroupSize = 200,
}: {
  runOne: (item: TItem) => Promise<TResult>;
  runMany: (items: readonly TItem[]) => Promise<readonly PromiseSettledResult<TResult>[]>;
  /** Where a group takes its turn (the host's queue of changes); at once when omitted. */
  schedule?: (
    work: () => Promise<readonly PromiseSettledResult<TResult>[]>,
  ) => Promise<readonly PromiseSettledResult<TResult>[]>;
  maxGroupSize?: number;
}): GroupCommit<TItem, TResult> => {
  const waiting: Waiting<TItem, TResult>[] = [];
  let isRunning = false;

  // One after the other: each call then works from what the one before it left, as a lone call does.
  const runEach = async (items: readonly TItem[]) => {
    const outcomes: PromiseSettledResult<TResult>[] = [];
    for (const item of items)
      outcomes.push(
        await runOne(item).then(
          (value): PromiseSettledResult<TResult> => ({ status: 'fulfilled', value }),
          (reason: unknown): PromiseSettledResult<TResult> => ({ status: 'rejected', reason }),
        ),
      );
    return outcomes;
  };

  const runGroup = async (items: readonly TItem[]) => {
    if (items.length === 1) return runEach(items);
    return runMany(items).catch(() => runEach(items));
  };

  const drain = async () => {
    isRunning = true;
    while (waiting.length > 0) {
      let group: Waiting<TItem, TResult>[] = [];
      // The group is taken when its turn comes: calls that arrived while it waited go with it.
      const outcomes = await schedule(() => {
        group = waiting.splice(0, maxGroupSize);
        return runGroup(group.map(({ item }) => item));
      }).catch((error: unknown) =>
        group.map((): PromiseSettledResult<TResult> => ({ status: 'rejected', reason: error })),
      );
      group.forEach(({ resolve, reject }, index) => {
        const outcome = outcomes[index];
        if (outcome?.status === 'fulfilled') resolve(outcome.value);
        else reject(outcome ? outcome.reason : new Error('group commit: no outcome for this call'));
      });
    }
    isRunning = false;
  };

  return {
    submit: (item) =>
      new Promise<TResult>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (!isRunning) void drain();
      }),
  };
};

/** One group commit per place and kind of operation: the runner, the host namespace and its prefix. */
const groupsByRunner = new WeakMap<Host['runner'], Map<string, GroupCommit<unknown, unknown>>>();

export const getGroupCommit = <TItem, TResult>({
  host,
  kind,
  create,
}: {
  host: Host;
  kind: string;
  create: () => GroupCommit<TItem, TResult>;
}): GroupCommit<TItem, TResult> => {
  const groups = groupsByRunner.get(host.runner) ?? new Map<string, GroupCommit<unknown, unknown>>();
  groupsByRunner.set(host.runner, groups);
  const key = `${kind}\n${host.namespace ?? ''}\n${host.namespacePrefix}`;
  const existing = groups.get(key) as GroupCommit<TItem, TResult> | undefined;
  if (existing) return existing;
  const created = create();
  groups.set(key, created as GroupCommit<unknown, unknown>);
  return created;
};
