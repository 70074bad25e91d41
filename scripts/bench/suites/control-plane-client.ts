import type { AppRouter } from '@kudo/web/scripting';
import { createTRPCClient, httpLink } from '@trpc/client';
import { Agent, fetch as undiciFetch } from 'undici';
import { median } from '../measure.js';

/** The control plane's layers as its `Server-Timing` header names them (apps/web server-timing.ts). */
export const serverLayers = ['lock', 'db', 'agent', 'total'] as const;
export type ServerLayer = (typeof serverLayers)[number];

/** One API call as the client saw it, with the server's own split of its time (and why it failed). */
export type TimedCall = { ms: number; server: Partial<Record<ServerLayer, number>>; error?: string };

/** `lock;dur=0.10, db;dur=2.31` -> { lock: 0.1, db: 2.31 } (names we do not know are skipped). */
export const parseServerTiming = (header: string | null): TimedCall['server'] => {
  const server: TimedCall['server'] = {};
  for (const entry of (header ?? '').split(',')) {
    const [name, ...params] = entry.trim().split(';');
    const duration = params.map((param) => param.trim()).find((param) => param.startsWith('dur='));
    if (!duration || !serverLayers.includes(name as ServerLayer)) continue;
    const ms = Number(duration.slice('dur='.length));
    if (Number.isFinite(ms)) server[name as ServerLayer] = ms;
  }
  return server;
};

/**
 * One client's kept-alive HTTP connection to the control plane's unix socket (the lab's dashboard socket):
 * no loopback pipe of this process in the way, whose event loop also runs every client. One connection per
 * client, as each user's browser has its own (a pool shared by the clients decides on its own which
 * connection carries which call).
 */
export const createSocketDispatcher = ({ socketPath }: { socketPath: string }) =>
  new Agent({ connect: { socketPath }, connections: 1 });

/**
 * The control plane's typed API as the dashboard calls it (tRPC over HTTP with the session cookie), for one
 * client making one call at a time: `timed` runs a call and returns its wall-clock time and the
 * `Server-Timing` of its answer.
 */
export const createTimedApi = ({ dispatcher, cookie }: { dispatcher: Agent; cookie: string }) => {
  let lastHeader: string | null = null;
  const api = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        // The host is not used to connect (the dispatcher's socket is), only named in the request.
        url: 'http://localhost/api/trpc',
        headers: { cookie },
        fetch: async (input, init) => {
          const response = await undiciFetch(String(input), { ...(init as object), dispatcher });
          lastHeader = response.headers.get('server-timing');
          return response as unknown as Response;
        },
      }),
    ],
  });
  const timed = async (call: (client: typeof api) => Promise<unknown>): Promise<TimedCall> => {
    lastHeader = null;
    const startedAt = performance.now();
    const error = await call(api).then(
      () => undefined,
      (reason: unknown) => (reason instanceof Error ? reason.message : String(reason)),
    );
    return { ms: performance.now() - startedAt, server: parseServerTiming(lastHeader), error };
  };
  return { api, timed };
};

/** The value below which `fraction` of the values lie (nearest rank). */
export const percentile = ({ values, fraction }: { values: readonly number[]; fraction: number }) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
};

/** Latency of a set of calls (median, p99) and the median of each server layer. */
export type CallStats = {
  count: number;
  /** Why calls failed (at most a few): a failed call is left out of the latencies. */
  failures: { count: number; examples: string[] };
  medianMs: number;
  p99Ms: number;
  /** Median per layer, as the server measured it; `http` is the client's time beyond the server's total. */
  layers: Record<ServerLayer | 'http', number>;
};

export const summarizeCalls = (all: readonly TimedCall[]): CallStats => {
  const calls = all.filter(({ error }) => error === undefined);
  const failed = all.flatMap(({ error }) => (error === undefined ? [] : [error]));
  const layerMedian = (layer: ServerLayer) => median(calls.map(({ server }) => server[layer] ?? 0));
  return {
    count: calls.length,
    failures: { count: failed.length, examples: [...new Set(failed)].slice(0, 3) },
    medianMs: median(calls.map(({ ms }) => ms)),
    p99Ms: percentile({ values: calls.map(({ ms }) => ms), fraction: 0.99 }),
    layers: {
      lock: layerMedian('lock'),
      db: layerMedian('db'),
      agent: layerMedian('agent'),
      total: layerMedian('total'),
      http: median(calls.map(({ ms, server }) => ms - (server.total ?? 0))),
    },
  };
};
