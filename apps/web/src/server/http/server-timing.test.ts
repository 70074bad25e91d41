import { describe, expect, it } from 'vitest';
import { formatServerTiming, recordPhase, serveTimed, timePhase } from './server-timing';

describe('Server-Timing', () => {
  it('answers with the time of each layer a request went through, added up per layer', async () => {
    const response = await serveTimed({
      handle: async () => {
        await timePhase({ phase: 'db', work: async () => undefined });
        recordPhase({ phase: 'db', ms: 5 });
        recordPhase({ phase: 'agent', ms: 7.5 });
        return Response.json({ ok: true }, { status: 201 });
      },
    });
    const header = response.headers.get('server-timing') ?? '';
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });
    expect(header).toMatch(/^db;dur=(\d+\.\d\d), agent;dur=7\.50, total;dur=\d+\.\d\d$/);
    expect(Number(/db;dur=([\d.]+)/.exec(header)?.[1])).toBeGreaterThanOrEqual(5);
  });

  it('keeps concurrent requests apart', async () => {
    const [first, second] = await Promise.all(
      [1, 2].map((ms) =>
        serveTimed({
          handle: async () => {
            await new Promise((resolve) => setImmediate(resolve));
            recordPhase({ phase: 'lock', ms });
            return new Response('');
          },
        }),
      ),
    );
    expect(first?.headers.get('server-timing')).toMatch(/^lock;dur=1\.00, total/);
    expect(second?.headers.get('server-timing')).toMatch(/^lock;dur=2\.00, total/);
  });

  it('asks that a small JSON answer go uncompressed, leaves a large one and a stream as they are', async () => {
    const serveJson = (answer: string, headers: Record<string, string> = {}) =>
      serveTimed({
        handle: async () =>
          new Response(answer, { headers: { 'content-type': 'application/json', ...headers } }),
      });
    const small = JSON.stringify({ result: { data: { id: 'wéb-1' } } });
    const answered = await serveJson(small);
    expect(answered.headers.get('cache-control')).toBe('no-transform');
    expect(await answered.text()).toBe(small);
    expect((await serveJson(small, { 'cache-control': 'no-store' })).headers.get('cache-control')).toBe(
      'no-store, no-transform',
    );
    const large = JSON.stringify({ result: { data: 'x'.repeat(2000) } });
    const largeAnswer = await serveJson(large);
    expect(largeAnswer.headers.get('cache-control')).toBeNull();
    expect(await largeAnswer.text()).toBe(large);
    const events = await serveTimed({
      handle: async () =>
        new Response(new ReadableStream({ start: (controller) => controller.close() }), {
          headers: { 'content-type': 'text/event-stream' },
        }),
    });
    expect(events.headers.get('cache-control')).toBeNull();
    expect(events.headers.get('content-type')).toBe('text/event-stream');
  });

  it('records nothing outside a timed request, and still runs the work', async () => {
    expect(await timePhase({ phase: 'agent', work: async () => 42 })).toBe(42);
    expect(formatServerTiming(new Map())).toBe('');
  });

  it('counts a failed step in its layer and lets its error through', async () => {
    const response = await serveTimed({
      handle: async () => {
        await timePhase({
          phase: 'agent',
          work: async () => {
            throw new Error('agent down');
          },
        }).catch(() => undefined);
        return new Response('');
      },
    });
    expect(response.headers.get('server-timing')).toMatch(/^agent;dur=[\d.]+, total;dur=[\d.]+$/);
  });
});
