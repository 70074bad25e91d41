import { ping, request, startServer } from '@kudo/netcore/testing';

/** One observable fact checked before a number is reported. */
export type Check = { scope: string; label: string; isOk: boolean; detail: string };

/** An instance as the checks see it: where it lives, its address and its one port mapping. */
export type ReachableInstance = {
  name: string;
  namespace: string;
  ipAddr: string;
  hostPort: number;
  instancePort: number;
};

const checkPortMapping = async ({
  scope,
  instance,
  nodeAddr,
  outside,
}: {
  scope: string;
  instance: ReachableInstance;
  nodeAddr: string;
  outside: { namespace: string; ipAddr: string };
}): Promise<Check> => {
  const server = await startServer({
    namespace: instance.namespace,
    port: instance.instancePort,
    name: instance.name,
  });
  try {
    const answer = await request({ from: outside.namespace, host: nodeAddr, port: instance.hostPort });
    const expected = `hello from ${instance.name} to ${outside.ipAddr}`;
    return {
      scope,
      label: `outside → ${nodeAddr}:${instance.hostPort} reaches ${instance.name}:${instance.instancePort}`,
      isOk: answer === expected,
      detail: `answer: ${answer ?? 'none'}`,
    };
  } finally {
    await server.stop();
  }
};

/**
 * Real traffic on a node full of instances: the first instance pings the last one (or the gateway when it
 * is alone), and the port mappings of the first and last instances answer from the outside namespace.
 */
export const checkTraffic = async ({
  scope,
  instances,
  gatewayAddr,
  nodeAddr,
  outside,
}: {
  scope: string;
  instances: readonly ReachableInstance[];
  gatewayAddr: string;
  nodeAddr: string;
  outside: { namespace: string; ipAddr: string };
}): Promise<Check[]> => {
  const first = instances[0];
  const last = instances.at(-1);
  if (!first || !last)
    return [{ scope, label: 'instances exist', isOk: false, detail: 'no instance was set up' }];
  const target = first === last ? { name: 'the gateway', ipAddr: gatewayAddr } : last;
  // Up to 3 echo requests (one reply is enough): under heavy load the first may wait on ARP past ping's 1 s.
  const isPinging = await ping({ from: first.namespace, to: target.ipAddr, count: 3 });
  const pingCheck: Check = {
    scope,
    label: `${first.name} pings ${target.name} (${target.ipAddr})`,
    isOk: isPinging,
    detail: isPinging ? 'reply' : 'no reply',
  };
  const mapped = first === last ? [first] : [first, last];
  const portChecks = [];
  for (const instance of mapped)
    portChecks.push(await checkPortMapping({ scope, instance, nodeAddr, outside }));
  return [pingCheck, ...portChecks];
};
