import type { IncomingMessage, ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { CniIpHelpers } from './cni-ip-helpers.js';
import type { CniService } from './cni-service.js';
import { cniSocketRouter } from './cni-socket-router.js';
import { type PluginOutcome, runPlugin } from './plugin/run-plugin.js';

/**
 * One exec of the native `kudo` plugin (apps/cni/native/kudo.c), forwarded over the CNI socket:
 *
 *   POST /exec HTTP/1.1            one header per CNI_* variable that is set (`cni-command: ADD`), its
 *   cni-command: ADD               value percent-encoded (every byte outside `!`..`~`, and `%`), so an
 *   cni-netns: %2Frun%2F...        empty value stays empty and an absent variable stays absent;
 *   content-length: N              the body is the plugin's stdin, as the runtime wrote it.
 *
 *   HTTP/1.1 200 OK                the exit code the plugin exits with, and its stdout as the body.
 *   cni-exit-code: 0
 */
export const cniExecPath = '/exec';

/** Where a forwarder's child lends its `ip` for an ADD (`GET`, upgraded to a raw stream: cni-ip-helpers.ts). */
export const cniIpHelperPath = '/ip-helper';

export const cniEnvironmentNames = [
  'CNI_COMMAND',
  'CNI_CONTAINERID',
  'CNI_NETNS',
  'CNI_IFNAME',
  'CNI_ARGS',
  'CNI_PATH',
] as const;

const toHeaderName = (name: string) => name.toLowerCase().replaceAll('_', '-');

/** `%XX` back to bytes, then UTF-8 (what the forwarder escaped; anything else is taken as it is). */
const decodePercent = (value: string) =>
  Buffer.from(
    value.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');

/** The plugin's environment from the request's headers: a header per variable that is set. */
export const readExecEnvironment = (headers: IncomingMessage['headers']) => {
  const env: Record<string, string> = {};
  for (const name of cniEnvironmentNames) {
    const value = headers[toHeaderName(name)];
    if (typeof value === 'string') env[name] = decodePercent(value);
  }
  return env;
};

/** The plugin's stdout as the forwarder writes it: the JSON and a newline, nothing for an empty answer. */
const toStdout = ({ stdout }: PluginOutcome) => (stdout.length > 0 ? `${stdout}\n` : '');

export const isPid = (value: number) => Number.isSafeInteger(value) && value > 0;

/** The forwarder that lends an `ip` helper for its ADD (`kudo-lends-ip: PID`, see cni-ip-helpers.ts), and where. */
const readAnnouncedHelper = ({
  headers,
  env,
}: {
  headers: IncomingMessage['headers'];
  env: Record<string, string>;
}) => {
  const forwarderPid = Number(headers['kudo-lends-ip']);
  const netnsPath = env.CNI_NETNS;
  return env.CNI_COMMAND === 'ADD' && isPid(forwarderPid) && netnsPath
    ? { forwarderPid, netnsPath }
    : undefined;
};

/** Serves POST /exec: runs the plugin's spec code against the CNI service, in-process. */
export const handleCniExec = async ({
  req,
  res,
  cni,
  ipHelpers,
}: {
  req: IncomingMessage;
  res: ServerResponse;
  cni: CniService;
  ipHelpers: CniIpHelpers;
}) => {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST' }).end();
    return;
  }
  const stdin = await text(req);
  const env = readExecEnvironment(req.headers);
  const announced = readAnnouncedHelper({ headers: req.headers, env });
  const helper = announced ? ipHelpers.expect(announced) : undefined;
  const outcome = await runPlugin({ env, stdin, agent: cniSocketRouter.createCaller({ cni }) }).finally(
    // Its `ip` ends before the answer goes: the forwarder waits for its child before it exits.
    () => helper?.release(),
  );
  const body = Buffer.from(toStdout(outcome));
  res
    .writeHead(200, {
      'cni-exit-code': String(outcome.exitCode),
      'content-type': 'application/json',
      'content-length': body.length,
      connection: 'close',
    })
    .end(body);
};
