import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Where an HTTP request's time went, by layer, as the `Server-Timing` response header
 * (`lock;dur=0.1, db;dur=2.3, agent;dur=6.1, total;dur=9.4`): what a benchmark or a browser's network tab
 * reads to split a request between the control plane's own layers. A layer entered several times adds up;
 * work outside a timed request (tests calling services directly, the health monitor) records nothing.
 */
export const serverTimingPhases = {
  lock: 'waiting for the node lock (work on the same node ahead of this one)',
  db: 'the database (allocation transaction, status reads and updates, the audit entry)',
  agent: "the call to the node's agent (transport, the agent, netcore and the kernel)",
  total: 'the whole request in the route handler (session, tRPC, all the above)',
} as const;

export type ServerTimingPhase = keyof typeof serverTimingPhases;

type Durations = Map<ServerTimingPhase, number>;

/**
 * One store per process, on globalThis: Next.js compiles the route handlers and the runtime started by
 * instrumentation.ts (which built the services) into separate bundles, each with its own copy of this
 * module; a module-level store would be a different one in each.
 */
const holder = globalThis as typeof globalThis & { kudoServerTiming?: AsyncLocalStorage<Durations> };
holder.kudoServerTiming ??= new AsyncLocalStorage<Durations>();
const currentRequest = holder.kudoServerTiming;

/** Adds `ms` to `phase` of the request being served (nothing outside a timed request). */
export const recordPhase = ({ phase, ms }: { phase: ServerTimingPhase; ms: number }) => {
  const durations = currentRequest.getStore();
  if (durations) durations.set(phase, (durations.get(phase) ?? 0) + ms);
};

/** Runs `work`, its duration counted in `phase` of the request being served (failed or not). */
export const timePhase = async <T>({ phase, work }: { phase: ServerTimingPhase; work: () => Promise<T> }) => {
  const startedAt = performance.now();
  try {
    return await work();
  } finally {
    recordPhase({ phase, ms: performance.now() - startedAt });
  }
};

/** The header's value: one `name;dur=ms` per phase that took time, in the order of `serverTimingPhases`. */
export const formatServerTiming = (durations: ReadonlyMap<ServerTimingPhase, number>) =>
  (Object.keys(serverTimingPhases) as ServerTimingPhase[])
    .filter((phase) => durations.has(phase))
    .map((phase) => `${phase};dur=${(durations.get(phase) ?? 0).toFixed(2)}`)
    .join(', ');

/** A whole JSON answer (a query's or a mutation's), not a stream of events. */
const isJsonAnswer = (response: Response) =>
  response.body !== null && response.headers.get('content-type')?.startsWith('application/json') === true;

/** Below this size an answer goes uncompressed (the threshold of Next.js's `compression` middleware). */
const compressFromBytes = 1024;

/**
 * Serves a request with its phases timed, and answers with them in `Server-Timing`. A JSON answer below
 * 1 KB (a mutation's) says `Cache-Control: no-transform`: Next.js drops a route's `Content-Length`, so its
 * gzip would compress every small answer, which cost more CPU on the hot path than the bytes it saved;
 * larger answers (lists) are still compressed, and a stream (server-sent events) is passed on as it comes.
 */
export const serveTimed = async ({ handle }: { handle: () => Promise<Response> }) => {
  const durations: Durations = new Map();
  const startedAt = performance.now();
  const response = await currentRequest.run(durations, handle);
  durations.set('total', performance.now() - startedAt);
  const headers = new Headers(response.headers);
  headers.set('server-timing', formatServerTiming(durations));
  const init = { status: response.status, statusText: response.statusText, headers };
  if (!isJsonAnswer(response)) return new Response(response.body, init);
  const text = await response.text();
  if (Buffer.byteLength(text) < compressFromBytes) {
    const cacheControl = headers.get('cache-control');
    headers.set('cache-control', cacheControl ? `${cacheControl}, no-transform` : 'no-transform');
  }
  return new Response(text, init);
};
