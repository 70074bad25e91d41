import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

const createRecorder = ({ failingGroups = false }: { failingGroups?: boolean } = {}) => {
  const groups: number[][] = [];
  let release: () => void = () => undefined;
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const runOne = async (item: number) => {
    groups.push([item]);
    await gate;
    if (item < 0) throw new Error(`bad ${item}`);
    return item * 10;
  };
  const runMany = async (items: readonly number[]) => {
    groups.push([...items]);
    if (failingGroups) throw new Error('the group failed');
    return items.map(
      (item): PromiseSettledResult<number> =>
        item < 0
          ? { status: 'rejected', reason: new Error(`bad ${item}`) }
          : { status: 'fulfilled', value: item * 10 },
    );
  };
  const open = () => {
    release();
    gate = Promise.resolve();
  };
  return { groups, runOne, runMany, open };
};

describe('createGroupCommit', () => {
  it('runs a lone call at once through the single path', async () => {
    const recorder = createRecorder();
    recorder.open();
    const commit = createGroupCommit({ runOne: recorder.runOne, runMany: recorder.runMany });
    expect(await commit.submit(1)).toBe(10);
    expect(recorder.groups).toEqual([[1]]);
  });

  it('puts the calls that arrive while a group runs into the next group, each settled on its own', async () => {
    const recorder = createRecorder();
    const commit = createGroupCommit({ runOne: recorder.runOne, runMany: recorder.runMany });
    const first = commit.submit(1);
    const others = [2, -3, 4].map((item) => commit.submit(item).catch((error: Error) => error.message));
    recorder.open();
    expect(await first).toBe(10);
    expect(await Promise.all(others)).toEqual([20, 'bad -3', 40]);
    expect(recorder.groups).toEqual([[1], [2, -3, 4]]);
  });

  it('runs each call of a group alone when the group fails as a whole', async () => {
    const recorder = createRecorder({ failingGroups: true });
    const commit = createGroupCommit({ runOne: recorder.runOne, runMany: recorder.runMany });
    const first = commit.submit(1);
    const others = [2, -3].map((item) => commit.submit(item).catch((error: Error) => error.message));
    recorder.open();
    await first;
    expect(await Promise.all(others)).toEqual([20, 'bad -3']);
    expect(recorder.groups).toEqual([[1], [2, -3], [2], [-3]]);
  });

  it('takes a group when its turn comes, with every call that arrived while it waited', async () => {
    const recorder = createRecorder();
    recorder.open();
    let startTurn: () => void = () => undefined;
    const turn = new Promise<void>((resolve) => {
      startTurn = resolve;
    });
    const commit = createGroupCommit({
      runOne: recorder.runOne,
      runMany: recorder.runMany,
      schedule: async (work) => {
        await turn;
        return work();
      },
    });
    const calls = [1, 2, 3].map((item) => commit.submit(item));
    startTurn();
    expect(await Promise.all(calls)).toEqual([10, 20, 30]);
    expect(recorder.groups).toEqual([[1, 2, 3]]);
  });

  it('sends at most maxGroupSize calls in one group; the others go in the next', async () => {
    const recorder = createRecorder();
    const commit = createGroupCommit({ runOne: recorder.runOne, runMany: recorder.runMany, maxGroupSize: 2 });
    const calls = [1, 2, 3, 4, 5].map((item) => commit.submit(item));
    recorder.open();
    expect(await Promise.all(calls)).toEqual([10, 20, 30, 40, 50]);
    expect(recorder.groups).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("gives the failure of a group's turn to each of its callers, and goes on with the next group", async () => {
    const recorder = createRecorder();
    let turns = 0;
    const commit = createGroupCommit({
      runOne: recorder.runOne,
      runMany: recorder.runMany,
      schedule: async (work) => {
        turns += 1;
        const outcomes = await work();
        if (turns === 2) throw new Error('the queue failed');
        return outcomes;
      },
    });
    const first = commit.submit(1);
    const failing = [2, 3].map((item) => commit.submit(item).catch((error: Error) => error.message));
    recorder.open();
    expect(await first).toBe(10);
    expect(await Promise.all(failing)).toEqual(['the queue failed', 'the queue failed']);
    expect(await commit.submit(4)).toBe(40);
    expect(recorder.groups).toEqual([[1], [2, 3], [4]]);
  });
});
