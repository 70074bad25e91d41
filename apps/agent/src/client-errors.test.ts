import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgentClient } from './client.js';
import {
  AgentRemoteError,
  AgentTransportError,
  isAgentRemoteError,
  isAgentTransportError,
  readAgentCallError,
  toAgentErrorData,
} from './client-errors.js';

/** Something on loopback that answers every request with `status` and `body`, as an agent (or not) would. */
const servers: Server[] = [];
const listen = async ({
  status,
  body,
  type = 'application/json',
}: {
  status: number;
  body: string;
  type?: string;
}) => {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': type });
    response.end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const trpcError = ({ code, httpStatus, netcore }: { code: string; httpStatus: number; netcore?: object }) =>
  JSON.stringify({
    error: {
      message: 'refused',
      code: -32000,
      data: { code, httpStatus, path: 'health', netcore: netcore ?? null },
    },
  });

/** One failed call, read the way the web's gateway reads it. */
const failCall = async ({ url }: { url: string }) => {
  const error = await createAgentClient({ url, token: 't' })
    .health.query()
    .then(() => undefined)
    .catch((caught: unknown) => caught);
  expect(error).toBeDefined();
  return readAgentCallError({ error, url });
};

describe('readAgentCallError', () => {
  it('nothing listening is unreachable', async () => {
    const url = await listen({ status: 200, body: '{}' });
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const read = await failCall({ url });
    expect(read).toBeInstanceOf(AgentTransportError);
    expect(read).toMatchObject({ kind: 'unreachable', url });
    expect(toAgentErrorData(read).code).toBe('UNREACHABLE');
  });

  it('a refused token is unauthorised, not a netcore code', async () => {
    const url = await listen({ status: 401, body: trpcError({ code: 'UNAUTHORIZED', httpStatus: 401 }) });
    const read = await failCall({ url });
    expect(isAgentTransportError(read) && read.kind).toBe('unauthorised');
    expect(toAgentErrorData(read).code).toBe('UNAUTHORIZED');
  });

  it('an unknown procedure (another version of the agent) and a page that is no tRPC answer are incompatible', async () => {
    const other = await listen({ status: 404, body: trpcError({ code: 'NOT_FOUND', httpStatus: 404 }) });
    expect(await failCall({ url: other })).toMatchObject({ kind: 'incompatible' });
    const page = await listen({ status: 200, body: '<html>hello</html>', type: 'text/html' });
    expect(await failCall({ url: page })).toMatchObject({ kind: 'incompatible' });
  });

  it("netcore's refusal is remote data: its code, field and reason as the agent sent them", async () => {
    const netcore = { code: 'CONFLICT', field: 'ports.0.hostPort', reason: 'taken' };
    const url = await listen({
      status: 409,
      body: trpcError({ code: 'CONFLICT', httpStatus: 409, netcore }),
    });
    const read = await failCall({ url });
    expect(read).toBeInstanceOf(AgentRemoteError);
    expect(isAgentRemoteError(read) && read.netcore).toEqual(netcore);
    expect(toAgentErrorData(read)).toEqual(netcore);
  });

  it("the agent's own failure is remote, without netcore data", async () => {
    const url = await listen({
      status: 500,
      body: trpcError({ code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 }),
    });
    expect(await failCall({ url })).toMatchObject({ netcore: undefined, trpcCode: 'INTERNAL_SERVER_ERROR' });
  });

  it('a call its caller gave up on is a timeout, whatever the client said', () => {
    expect(readAgentCallError({ error: new Error('aborted'), isTimedOut: true })).toMatchObject({
      kind: 'timeout',
    });
  });

  it('reads an AgentCallError as itself', () => {
    const error = new AgentTransportError({ kind: 'incompatible', reason: 'x' });
    expect(readAgentCallError({ error })).toBe(error);
  });
});
