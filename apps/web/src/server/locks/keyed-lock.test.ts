import { describe, expect, it } from 'vitest';
import { createKeyedLock } from './keyed-lock';

/** A piece of work that runs until it is released, recording when it starts and ends. */
const createGate = ({ order, name }: { order: string[]; name: string }) => {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    release: () => release(),
    work: async () => {
      order.push(`${name} starts`);
      await released;
      order.push(`${name} ends`);
      return name;
    },
  };
};

/** Lets every queued continuation run (no timer: the lock admits work on promise turns). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the node lock of one control plane', () => {
  it('runs work on different instances of one node at once', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const [a, b] = ['a', 'b'].map((name) => createGate({ order, name }));
    if (!a || !b) throw new Error('two gates expected');
    const running = [
      lock.runOnItem({ key: 'node1', item: 'web-1', work: a.work }),
      lock.runOnItem({ key: 'node1', item: 'web-2', work: b.work }),
    ];
    await settle();
    expect(order).toEqual(['a starts', 'b starts']);
    b.release();
    a.release();
    expect(await Promise.all(running)).toEqual(['a', 'b']);
  });

  it('runs work on one instance one at a time, the second after the first failed', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const first = lock.runOnItem({
      key: 'node1',
      item: 'web-1',
      work: async () => {
        order.push('first');
        await settle();
        throw new Error('agent down');
      },
    });
    const second = lock.runOnItem({
      key: 'node1',
      item: 'web-1',
      work: async () => {
        order.push('second');
      },
    });
    await expect(first).rejects.toThrow('agent down');
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('runs work on the whole node alone, and lets no instance work overtake it while it waits', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const instance = createGate({ order, name: 'instance' });
    const node = createGate({ order, name: 'node' });
    const later = createGate({ order, name: 'later instance' });
    const running = [
      lock.runOnItem({ key: 'node1', item: 'web-1', work: instance.work }),
      lock.run({ key: 'node1', work: node.work }),
      lock.runOnItem({ key: 'node1', item: 'web-2', work: later.work }),
    ];
    await settle();
    expect(order).toEqual(['instance starts']);
    instance.release();
    await settle();
    expect(order).toEqual(['instance starts', 'instance ends', 'node starts']);
    later.release();
    node.release();
    await Promise.all(running);
    expect(order).toEqual([
      'instance starts',
      'instance ends',
      'node starts',
      'node ends',
      'later instance starts',
      'later instance ends',
    ]);
  });

  it('keeps nodes apart: work on one node never waits for another', async () => {
    const lock = createKeyedLock();
    const order: string[] = [];
    const one = createGate({ order, name: 'node1' });
    const two = createGate({ order, name: 'node2' });
    const running = [lock.run({ key: 'node1', work: one.work }), lock.run({ key: 'node2', work: two.work })];
    await settle();
    expect(order).toEqual(['node1 starts', 'node2 starts']);
    one.release();
    two.release();
    await Promise.all(running);
  });
});
