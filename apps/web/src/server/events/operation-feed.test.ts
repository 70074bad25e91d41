import { describe, expect, it } from 'vitest';
import type { AgentOperationEvent } from '../agents/agent-gateway.js';
import { createOperationFeed, type OperationUpdate } from './operation-feed.js';

let nextEvent = 0;
const agentEvent = ({
  operationId,
  phase,
}: {
  operationId: string;
  phase: 'started' | 'finished';
}): AgentOperationEvent => {
  nextEvent += 1;
  const base = {
    id: `aa-${nextEvent}`,
    at: new Date().toISOString(),
    nodeId: 'node1',
    operationId,
    operation: 'setupInstance',
  };
  return phase === 'started'
    ? { ...base, phase, input: { instanceId: operationId }, waitedMs: 0 }
    : { ...base, phase, durationMs: 5 };
};

/** Reads `count` updates from a subscription, then stops it. */
const take = async ({ stream, count }: { stream: AsyncGenerator<OperationUpdate>; count: number }) => {
  const seen: OperationUpdate[] = [];
  for await (const update of stream) {
    seen.push(update);
    if (seen.length === count) break;
  }
  return seen;
};

describe('operation feed', () => {
  it('gives a new subscriber every operation kept, then each change as it happens', async () => {
    const feed = createOperationFeed();
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'a', phase: 'started' }) });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'b', phase: 'started' }) });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'a', phase: 'finished' }) });
    const stream = feed.follow({});
    const first = await stream.next();
    const second = await stream.next();
    // One update per operation, in the order they last changed: b (running), then a (finished).
    expect([first.value?.operation.subject, second.value?.operation.subject]).toEqual(['b', 'a']);
    expect(second.value?.operation.status).toBe('finished');
    const next = stream.next();
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'b', phase: 'finished' }) });
    expect((await next).value?.operation).toMatchObject({ subject: 'b', status: 'finished' });
    await stream.return(undefined);
  });

  it('resumes after the last id a subscriber saw, and starts over for an id it does not know', async () => {
    const feed = createOperationFeed({ epoch: 'e1' });
    const seen = feed.publishAgentEvent({
      nodeName: 'node1',
      event: agentEvent({ operationId: 'a', phase: 'started' }),
    });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'a', phase: 'finished' }) });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'c', phase: 'started' }) });
    const resumed = await take({ stream: feed.follow({ lastEventId: seen.id }), count: 2 });
    expect(resumed.map(({ id, operation }) => [id, operation.subject, operation.status])).toEqual([
      ['e1-2', 'a', 'finished'],
      ['e1-3', 'c', 'running'],
    ]);
    // An id from before a restart (another epoch) or from the future: everything kept.
    for (const lastEventId of ['e0-2', 'e1-99']) {
      const restarted = await take({ stream: feed.follow({ lastEventId }), count: 2 });
      expect(restarted.map(({ operation }) => operation.subject)).toEqual(['a', 'c']);
    }
  });

  it('keeps every running operation and only the last ended ones', () => {
    const feed = createOperationFeed({ recentLimit: 2 });
    feed.publishAgentEvent({
      nodeName: 'node1',
      event: agentEvent({ operationId: 'long', phase: 'started' }),
    });
    for (const operationId of ['a', 'b', 'c', 'd']) {
      feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId, phase: 'started' }) });
      feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId, phase: 'finished' }) });
    }
    expect(feed.list().map(({ subject, status }) => `${subject} ${status}`)).toEqual([
      'long running',
      'c finished',
      'd finished',
    ]);
  });

  it('a subscriber that stops, or whose signal aborts, stops listening', async () => {
    const feed = createOperationFeed();
    const controller = new AbortController();
    const stream = feed.follow({ signal: controller.signal });
    const pending = stream.next();
    controller.abort();
    await expect(pending).resolves.toMatchObject({ done: true });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'x', phase: 'started' }) });
    await expect(stream.next()).resolves.toMatchObject({ done: true });
  });

  it('marks a running operation whose end will never come, and leaves ended ones alone', () => {
    const feed = createOperationFeed();
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'r', phase: 'started' }) });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'f', phase: 'started' }) });
    feed.publishAgentEvent({ nodeName: 'node1', event: agentEvent({ operationId: 'f', phase: 'finished' }) });
    expect(feed.markOutcomeUnknown({ key: 'agent:node1:r', reason: 'agent restarted' })).toBeDefined();
    expect(feed.markOutcomeUnknown({ key: 'agent:node1:f', reason: 'agent restarted' })).toBeUndefined();
    expect(feed.list().map(({ subject, status }) => `${subject} ${status}`)).toEqual([
      'f finished',
      'r unknown',
    ]);
  });
});
