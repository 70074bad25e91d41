import { request } from 'node:http';
import type { CniSocketRouter } from '@kudo/agent';
import { createTRPCClient, httpLink } from '@trpc/client';

/**
 * `fetch` over the agent's unix socket (Node's own http, nothing else): what tRPC's link calls. Only the
 * parts tRPC uses are supported: method, headers, a string body.
 */
const createSocketFetch =
  (socketPath: string) =>
  (url: string | URL | Request, init?: RequestInit): Promise<Response> =>
    new Promise((resolve, reject) => {
      const target = new URL(String(url));
      const req = request(
        {
          socketPath,
          path: `${target.pathname}${target.search}`,
          method: init?.method ?? 'GET',
          headers: { ...(init?.headers as Record<string, string> | undefined), host: 'kudo-agent' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve(
              new Response(Buffer.concat(chunks), {
                status: res.statusCode ?? 500,
                headers: { 'content-type': String(res.headers['content-type'] ?? 'application/json') },
              }),
            ),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (typeof init?.body === 'string') req.write(init.body);
      req.end();
    });

/**
 * A tRPC client of the agent's CNI router over its socket: what the bench times as the agent's own work
 * (the plugin binary itself goes through POST /exec instead).
 */
export const createCniAgentClient = ({ socketPath }: { socketPath: string }) =>
  createTRPCClient<CniSocketRouter>({
    links: [httpLink({ url: 'http://kudo-agent/trpc', fetch: createSocketFetch(socketPath) })],
  });

export type CniAgentClient = ReturnType<typeof createCniAgentClient>;
