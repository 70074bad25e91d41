/**
 * A TypeScript script on the control plane's API with an API token: the same typed client the dashboard
 * uses, over HTTP. Run from a checkout (or any project with `@trpc/client` and `@kudo/web`'s types):
 *
 *   KUDO_URL=https://kudo.example.com KUDO_TOKEN=kudo_... npx tsx apps/web/examples/api-client.ts
 *
 * It lists the nodes, creates an instance with a port mapping on the first ready node, reads it back and
 * deletes it. Every input and answer is typed from the router (`AppRouter`); a refusal is a
 * TRPCClientError whose `data.web` holds the control plane's code and the field at fault.
 */
import type { AppRouter } from '@kudo/web/scripting';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { z } from 'zod';

// A script of your own reads its settings where it likes; this one takes them from its environment.
const settings = z
  .object({ KUDO_URL: z.url(), KUDO_TOKEN: z.string().startsWith('kudo_') })
  .parse(process.env);

const api = createTRPCClient<AppRouter>({
  links: [
    httpLink({
      url: `${settings.KUDO_URL}/api/trpc`,
      headers: { authorization: `Bearer ${settings.KUDO_TOKEN}` },
    }),
  ],
});

try {
  const nodes = await api.node.list.query();
  console.log(`nodes: ${nodes.map((node) => `${node.id} (${node.status})`).join(', ')}`);
  const node = nodes.find((candidate) => candidate.status === 'ready');
  if (!node) throw new Error('no node is ready');

  const instance = await api.instance.create.mutate({
    nodeId: node.id,
    instanceId: 'example-1',
    ports: [{ hostPort: 18080, instancePort: 80 }],
  });
  console.log(`created ${instance.id} at ${instance.ipAddr} on ${instance.nodeId}`);

  const read = await api.instance.get.query({ instanceId: 'example-1' });
  console.log(
    `ports: ${read.portMappings.map((port) => `${port.hostPort}->${port.instancePort}/${port.protocol}`).join(', ')}`,
  );

  await api.instance.delete.mutate({ instanceId: 'example-1' });
  console.log('deleted example-1');
} catch (error) {
  if (error instanceof TRPCClientError)
    console.error(`refused: ${error.message} (${JSON.stringify(error.data?.web ?? error.data?.code)})`);
  else console.error(error);
  process.exitCode = 1;
}
