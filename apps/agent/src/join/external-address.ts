import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { promisify } from 'node:util';
import { AgentError } from '../errors.js';

const run = promisify(execFile);

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::';

/**
 * The address the control plane reaches this agent on: --external-address, else the listen address when
 * it is one, else the source address of this machine's route to the control plane (`ip route get`, which
 * reads the routing table and sends nothing).
 */
export const findExternalAddress = async ({
  externalAddress,
  listenHost,
  serverUrl,
}: {
  externalAddress: string | undefined;
  listenHost: string;
  serverUrl: string;
}) => {
  if (externalAddress) return externalAddress;
  if (!isWildcard(listenHost)) return listenHost;
  const serverHost = new URL(serverUrl).hostname.replace(/^\[|\]$/g, '');
  try {
    const { address } = await lookup(serverHost);
    const { stdout } = await run('ip', ['-j', 'route', 'get', address], { timeout: 5_000 });
    const [route] = JSON.parse(stdout) as { prefsrc?: string }[];
    if (route?.prefsrc) return route.prefsrc;
    throw new Error(`the route to ${address} names no source address`);
  } catch (error) {
    throw new AgentError({
      code: 'INVALID_OPTION',
      field: '--external-address',
      reason: `cannot tell which address the control plane reaches this node on (${error instanceof Error ? error.message : String(error)}); give --external-address or --listen ADDRESS`,
      cause: error,
    });
  }
};
