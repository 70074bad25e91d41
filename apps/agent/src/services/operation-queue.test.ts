import { isNetcoreError } from '@kudo/netcore';
import { describe, expect, it } from 'vitest';
import { createOperationQueue } from './operation-queue.js';

/** A promise the test resolves by hand, so ordering is proven without timing. */
const createGate = () => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
};

/** Lets every pending promise callback run (a macrotask comes after all microtasks). */
const flushMicrotasks = () => new Promise((resolve) => setImmediate(resolve));

describe('createOperationQueue', () => {
  it('runs one operation at a time, in arrival order', async () => {
    const queue = createOperationQueue();
    const log: string[] = [];
    const first = createGate();
    const a = queue.enqueue({
      operation: 'a',
      timeoutMs: 60_000,
      work: async () => {
        log.push('a start');
        await first.opened;
        log.push('a end');
        return 'a';
      },
      onSettled: () => log.push('a onSettled'),
    });
    const b = queue.enqueue({
      operation: 'b',
      timeoutMs: 60_000,
      work: async () => {
        log.push('b start');
        return 'b';
      },
      onStart: () => log.push('b onStart'),
    });
    await flushMicrotasks();
    expect(log).toEqual(['a start']);
    first.open();
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'a onSettled', 'b onStart', 'b start']);
  });

  it('goes on after a failed operation and gives its caller the error', async () => {
    const queue = createOperationQueue();
    const failed = queue.enqueue({
      operation: 'bad',
      timeoutMs: 60_000,
      work: async () => {
        throw new Error('boom');
      },
    });
    const next = queue.enqueue({ operation: 'good', timeoutMs: 60_000, work: async () => 'ok' });
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('ok');
  });

  it('reports the depth of waiting and running operations', async () => {
    const depths: number[] = [];
    const queue = createOperationQueue({ onDepthChange: (depth) => depths.push(depth) });
    const gate = createGate();
    const a = queue.enqueue({ operation: 'a', timeoutMs: 60_000, work: () => gate.opened });
    const b = queue.enqueue({ operation: 'b', timeoutMs: 60_000, work: async () => undefined });
    expect(queue.getDepth()).toBe(2);
    gate.open();
    await Promise.all([a, b]);
    await queue.whenIdle();
    expect(queue.getDepth()).toBe(0);
    expect(depths).toEqual([1, 2, 1, 0]);
  });

  it('gives a timed-out caller a TIMEOUT error, and starts the next operation only once the slow one ended', async () => {
    const queue = createOperationQueue();
    const slow = createGate();
    const log: string[] = [];
    const outcomes: boolean[] = [];
    const timedOut = queue.enqueue({
      operation: 'slow',
      timeoutMs: 1,
      work: async () => {
        await slow.opened;
        log.push('slow end');
      },
      onSettled: (outcome) => outcomes.push(outcome.isOk),
    });
    const next = queue.enqueue({
      operation: 'next',
      timeoutMs: 60_000,
      work: async () => {
        log.push('next start');
      },
    });
    const error = await timedOut.catch((caught: unknown) => caught);
    expect(isNetcoreError(error) && error.code).toBe('TIMEOUT');
    expect(log).toEqual([]);
    slow.open();
    await next;
    expect(log).toEqual(['slow end', 'next start']);
    expect(outcomes).toEqual([true]);
  });

  it('runs shared operations together, and an exclusive one alone: after those before it, before those after it', async () => {
    const queue = createOperationQueue();
    const log: string[] = [];
    const gates = { a: createGate(), b: createGate(), node: createGate(), c: createGate() };
    const run = (name: keyof typeof gates, access: Parameters<typeof queue.enqueue>[0]['access']) =>
      queue.enqueue({
        operation: name,
        timeoutMs: 60_000,
        access,
        work: async () => {
          log.push(`${name} start`);
          await gates[name].opened;
          log.push(`${name} end`);
        },
      });
    const runs = [
      run('a', { mode: 'shared', keys: ['instance:a'] }),
      run('b', { mode: 'shared', keys: ['instance:b'] }),
      run('node', { mode: 'exclusive' }),
      run('c', { mode: 'shared', keys: ['instance:c'] }),
    ];
    await flushMicrotasks();
    expect(log).toEqual(['a start', 'b start']);
    expect(queue.getDepth()).toBe(4);
    gates.b.open();
    await flushMicrotasks();
    expect(log).toEqual(['a start', 'b start', 'b end']);
    gates.a.open();
    await flushMicrotasks();
    expect(log).toEqual(['a start', 'b start', 'b end', 'a end', 'node start']);
    gates.node.open();
    gates.c.open();
    await Promise.all(runs);
    expect(log.slice(5)).toEqual(['node end', 'c start', 'c end']);
    expect(queue.getDepth()).toBe(0);
  });

  it('runs shared operations on the same key one after the other, in arrival order, while other keys pass', async () => {
    const queue = createOperationQueue();
    const log: string[] = [];
    const first = createGate();
    const run = (name: string, key: string, gate?: Promise<void>) =>
      queue.enqueue({
        operation: name,
        timeoutMs: 60_000,
        access: { mode: 'shared', keys: [key] },
        work: async () => {
          log.push(`${name} start`);
          await gate;
          log.push(`${name} end`);
        },
      });
    const runs = [
      run('setup x', 'instance:x', first.opened),
      run('clean x', 'instance:x'),
      run('setup y', 'instance:y'),
    ];
    await flushMicrotasks();
    expect(log).toEqual(['setup x start', 'setup y start', 'setup y end']);
    first.open();
    await Promise.all(runs);
    expect(log.slice(3)).toEqual(['setup x end', 'clean x start', 'clean x end']);
  });
});
