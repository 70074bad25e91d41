import { describe, expect, it } from 'vitest';
import { createSharedRead } from './shared-read.js';

/** A read whose answers the test releases by hand: each read sees the value current when it began. */
const createControlledRead = () => {
  let value = 'before';
  const started: { key: string; seen: string; finish: () => void; fail: (error: Error) => void }[] = [];
  const read = (key: string) =>
    new Promise<string>((resolve, reject) => {
      const seen = value;
      started.push({ key, seen, finish: () => resolve(`${key}:${seen}`), fail: reject });
    });
  return { read, started, change: (next: string) => (value = next) };
};

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createSharedRead', () => {
  it('callers that arrive while a read runs share the next read, not the running one', async () => {
    const { read, started, change } = createControlledRead();
    const shared = createSharedRead({ read });
    const first = shared('a');
    change('after');
    const late = [shared('a'), shared('a'), shared('a')];
    expect(started).toHaveLength(1);
    started[0]?.finish();
    expect(await first).toBe('a:before');
    await settle();
    expect(started).toHaveLength(2);
    started[1]?.finish();
    expect(await Promise.all(late)).toEqual(['a:after', 'a:after', 'a:after']);
  });

  it('keys are read apart', async () => {
    const { read, started } = createControlledRead();
    const shared = createSharedRead({ read });
    const answers = [shared('a'), shared('b')];
    expect(started.map(({ key }) => key)).toEqual(['a', 'b']);
    for (const { finish } of started) finish();
    expect(await Promise.all(answers)).toEqual(['a:before', 'b:before']);
  });

  it('a failed read fails its callers only; the queued callers get a read of their own', async () => {
    const { read, started } = createControlledRead();
    const shared = createSharedRead({ read });
    const first = shared('a');
    const queued = shared('a');
    started[0]?.fail(new Error('database gone'));
    await expect(first).rejects.toThrow('database gone');
    await settle();
    started[1]?.finish();
    expect(await queued).toBe('a:before');
  });

  it('a caller after every read ended starts a new read', async () => {
    const { read, started } = createControlledRead();
    const shared = createSharedRead({ read });
    const first = shared('a');
    started[0]?.finish();
    await first;
    const second = shared('a');
    expect(started).toHaveLength(2);
    started[1]?.finish();
    expect(await second).toBe('a:before');
  });
});
