import { describe, expect, it } from 'vitest';
import { type AgentEvent, createEventLog } from './event-log.js';

const started = (operation: string) => ({
  phase: 'started' as const,
  nodeId: 'n1',
  operationId: operation,
  operation,
  input: {},
  waitedMs: 0,
});

const take = async ({ stream, count }: { stream: AsyncGenerator<AgentEvent>; count: number }) => {
  const seen: string[] = [];
  for await (const event of stream) {
    seen.push(event.operation);
    if (seen.length === count) break;
  }
  return seen;
};

describe('createEventLog', () => {
  it('gives each event a growing id of the epoch', () => {
    const log = createEventLog({ epoch: 'abcd' });
    expect(log.append(started('a')).id).toBe('abcd-1');
    expect(log.append(started('b')).id).toBe('abcd-2');
  });

  it('lists what came after a known id', () => {
    const log = createEventLog({ epoch: 'abcd' });
    const [a] = ['a', 'b', 'c'].map((operation) => log.append(started(operation)));
    expect(log.listAfter(a?.id).map((event) => event.operation)).toEqual(['b', 'c']);
    expect(log.listAfter('abcd-3')).toEqual([]);
  });

  it.each([
    ['no id', undefined],
    ['an id from another epoch (before a restart)', 'ffff-1'],
    ['an id older than the kept history', 'abcd-1'],
    ['an id from the future', 'abcd-99'],
    ['garbage', 'not-an-id'],
  ])('gives the whole kept history for %s', (_, lastEventId) => {
    const log = createEventLog({ epoch: 'abcd', capacity: 1 });
    for (const operation of ['a', 'b', 'c']) log.append(started(operation));
    expect(log.listAfter(lastEventId).map((event) => event.operation)).toEqual(['c']);
  });

  it('streams the history after the last id, then live events, without duplicates', async () => {
    const log = createEventLog({ epoch: 'abcd' });
    const a = log.append(started('a'));
    log.append(started('b'));
    const stream = log.subscribe({ lastEventId: a.id, signal: undefined });
    const seen = take({ stream, count: 3 });
    log.append(started('c'));
    log.append(started('d'));
    expect(await seen).toEqual(['b', 'c', 'd']);
  });

  it('ends the stream when the log closes', async () => {
    const log = createEventLog();
    const stream = log.subscribe({ lastEventId: undefined, signal: undefined });
    const seen = take({ stream, count: 10 });
    log.append(started('a'));
    log.close();
    expect(await seen).toEqual(['a']);
  });

  it('ends the stream when its signal aborts', async () => {
    const log = createEventLog();
    const controller = new AbortController();
    const seen = take({
      stream: log.subscribe({ lastEventId: undefined, signal: controller.signal }),
      count: 10,
    });
    controller.abort();
    expect(await seen).toEqual([]);
  });
});
