import { describe, expect, it } from 'vitest';
import { runChunkPipeline } from './chunk-pipeline.js';

/** A step that records when it starts and ends, and ends only when told to. */
const createSteps = () => {
  const log: string[] = [];
  const pending = new Map<string, { resolve: () => void; reject: (error: Error) => void }>();
  const step = (kind: string) => (chunk: readonly number[]) =>
    new Promise<void>((resolve, reject) => {
      const key = `${kind} ${chunk[0]}`;
      log.push(`start ${key}`);
      pending.set(key, {
        resolve: () => {
          log.push(`end ${key}`);
          resolve();
        },
        reject,
      });
    });
  /** Lets the microtasks run, then ends the step (or fails it). */
  const settle = async (key: string, error?: Error) => {
    for (let tick = 0; tick < 10; tick += 1) await Promise.resolve();
    const entry = pending.get(key);
    if (!entry) throw new Error(`${key} has not started: ${log.join(', ')}`);
    pending.delete(key);
    if (error) entry.reject(error);
    else entry.resolve();
    for (let tick = 0; tick < 10; tick += 1) await Promise.resolve();
  };
  return { log, settle, name: step('name'), inside: step('inside'), attach: step('attach'), pending };
};

const items = Array.from({ length: 10 }, (_, index) => index);

/** Ten items in chunks of 3, through steps that end when told. */
const startPipeline = () => {
  const steps = createSteps();
  const run = runChunkPipeline({
    items,
    chunkSize: 3,
    name: steps.name,
    configureInside: steps.inside,
    attach: steps.attach,
  });
  return { steps, run };
};

describe('runChunkPipeline', () => {
  it('names ahead, configures two chunks inside at once, and does not wait for an attach to go on', async () => {
    const { steps, run } = startPipeline();
    // The first naming starts at once, before anything is awaited.
    expect(steps.log).toEqual(['start name 0']);
    await steps.settle('name 0');
    await steps.settle('name 3');
    await steps.settle('name 6');
    await steps.settle('name 9');
    expect(steps.log.filter((line) => line.startsWith('start inside'))).toEqual([
      'start inside 0',
      'start inside 3',
    ]);
    await steps.settle('inside 0');
    // Chunk 0 is attached while chunk 6 is configured inside: the attach does not hold it back.
    expect(steps.log.slice(-2)).toEqual(['start attach 0', 'start inside 6']);
    await steps.settle('inside 3');
    await steps.settle('inside 6');
    await steps.settle('inside 9');
    for (const key of ['attach 0', 'attach 3', 'attach 6', 'attach 9']) await steps.settle(key);
    await run;
  });

  it('after a failure names and configures nothing more, and throws once nothing it started runs', async () => {
    const { steps, run } = startPipeline();
    let isSettled = false;
    void run
      .catch(() => undefined)
      .finally(() => {
        isSettled = true;
      });
    await steps.settle('name 0');
    await steps.settle('name 3');
    await steps.settle('inside 0', new Error('inside 0 failed'));
    // Chunk 3 is still configured inside: the pipeline waits for it before it throws.
    expect(isSettled).toBe(false);
    await steps.settle('name 6');
    await steps.settle('inside 3');
    await expect(run).rejects.toThrow('inside 0 failed');
    expect(steps.log).not.toContain('start name 9');
    expect(steps.log).not.toContain('start inside 6');
    expect(steps.log).not.toContain('start attach 0');
    expect(steps.log).not.toContain('start attach 3');
    expect(steps.pending.size).toBe(0);
  });

  it('throws the first failure, not a later one of a step already under way', async () => {
    const { steps, run } = startPipeline();
    void run.catch(() => undefined);
    await steps.settle('name 0');
    await steps.settle('name 3');
    await steps.settle('inside 0', new Error('inside 0 failed'));
    await steps.settle('name 6', new Error('name 6 failed'));
    await steps.settle('inside 3');
    await expect(run).rejects.toThrow('inside 0 failed');
  });
});
