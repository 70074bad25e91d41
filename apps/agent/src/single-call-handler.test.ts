import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC, TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSingleCallHandler } from './single-call-handler.js';

type Context = { isAllowed: boolean };
const t = initTRPC.context<Context>().create({
  isDev: false,
  errorFormatter: ({ shape, error }) => ({ ...shape, data: { ...shape.data, hasCause: !!error.cause } }),
});
const allowed = t.procedure.use(({ ctx, next }) => {
  if (!ctx.isAllowed) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'not allowed' });
  return next();
});
const router = t.router({
  echo: allowed.input(z.object({ text: z.string() })).query(({ input }) => ({ said: input.text })),
  add: allowed.input(z.number()).mutation(({ input }) => input + 1),
  refuse: allowed.mutation(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'already there' });
  }),
  crash: allowed.mutation(() => {
    throw new Error('boom');
  }),
  nothing: allowed.query(() => 'nothing'),
  'nested.call': allowed.mutation(() => 'nested'),
});

const basePath = '/trpc/';
const createContext = (req: IncomingMessage): Context => ({ isAllowed: req.headers['x-deny'] === undefined });

type Served = { server: Server; url: string; errors: string[]; handled: string[] };

const serve = async ({ withSingleCall }: { withSingleCall: boolean }): Promise<Served> => {
  const errors: string[] = [];
  const handled: string[] = [];
  const onError = ({ error, path }: { error: TRPCError; path: string | undefined }) =>
    errors.push(`${path}:${error.code}`);
  const standard = createHTTPHandler({
    router,
    basePath,
    allowMethodOverride: true,
    createContext: ({ req }) => createContext(req),
    onError,
  });
  const single = createSingleCallHandler({ router, basePath, createContext, onError });
  const server = createServer((req, res) => {
    if (withSingleCall && single.handle({ req, res })) {
      handled.push(req.url ?? '');
      return;
    }
    standard(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, errors, handled };
};

const send = async ({
  url,
  path,
  method = 'POST',
  body,
  headers = {},
}: {
  url: string;
  path: string;
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}) => {
  const response = await fetch(`${url}${path}`, {
    method,
    body,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    vary: response.headers.get('vary'),
    text: await response.text(),
  };
};

describe('createSingleCallHandler', () => {
  let fast: Served;
  let standard: Served;

  beforeAll(async () => {
    [fast, standard] = await Promise.all([serve({ withSingleCall: true }), serve({ withSingleCall: false })]);
  });
  afterAll(async () => {
    for (const { server } of [fast, standard]) await new Promise((resolve) => server.close(resolve));
  });

  const answeredAlone = [
    { name: 'a query sent as POST', path: '/trpc/echo', body: '{"text":"hi"}' },
    { name: 'a mutation', path: '/trpc/add', body: '41' },
    { name: 'a dotted procedure name', path: '/trpc/nested.call', body: '{}' },
    { name: 'an input that fails validation', path: '/trpc/echo', body: '{"text":5}' },
    { name: 'a body that is not JSON', path: '/trpc/add', body: 'forty' },
    { name: 'a typed error', path: '/trpc/refuse', body: '{}' },
    { name: 'an unexpected error', path: '/trpc/crash', body: '{}' },
    { name: 'a refusal by a middleware', path: '/trpc/add', body: '1', headers: { 'x-deny': '1' } },
  ];

  it.each(answeredAlone)('answers $name itself, exactly as the standard adapter does', async (request) => {
    fast.errors.length = 0;
    standard.errors.length = 0;
    const [mine, theirs] = await Promise.all([
      send({ url: fast.url, ...request }),
      send({ url: standard.url, ...request }),
    ]);
    expect(fast.handled.at(-1)).toBe(request.path);
    expect(mine).toEqual(theirs);
    expect(fast.errors).toEqual(standard.errors);
  });

  const leftToTheAdapter = [
    { name: 'a GET query', path: '/trpc/echo?input=%7B%22text%22%3A%22hi%22%7D', method: 'GET' },
    { name: 'a batch', path: '/trpc/echo,add?batch=1', body: '{"0":{"text":"a"},"1":2}' },
    { name: 'a call without a body', path: '/trpc/nothing' },
    { name: 'an unknown procedure', path: '/trpc/missing', body: '{}' },
    { name: 'an encoded path', path: '/trpc/nested%2Ecall', body: '{}' },
  ];

  it.each(leftToTheAdapter)('leaves $name to the standard adapter', async (request) => {
    const before = fast.handled.length;
    const [mine, theirs] = await Promise.all([
      send({ url: fast.url, ...request }),
      send({ url: standard.url, ...request }),
    ]);
    expect(fast.handled.length).toBe(before);
    expect(mine).toEqual(theirs);
  });
});
