/**
 * The lab's control plane machine: run by `startLabControlPlane` inside the control plane's namespace
 * (`nsenter --net=/run/netns/CP node --import tsx control-plane-host.ts`), it does there what `npm run web`
 * does on a real machine with KUDO_TLS=ca: the dashboard (`next start`) on the namespace's loopback, and
 * the TLS front on the underlay address, with a certificate of the cluster CA (what `join` reaches). It
 * also serves the dashboard on a unix socket in the data directory, for the machine's browser. Its input
 * (with the passwords) comes on stdin as JSON; it prints one JSON line when everything answers, and stops
 * everything on SIGTERM or SIGINT.
 */
import { text } from 'node:stream/consumers';
import { openClusterAuthority, readServingCredentials, startTlsFront } from '@kudo/web/scripting';
import { z } from 'zod';
import { startSocketPipe } from './socket-pipe.js';
import { findFreePort, startWebServer } from './web-server.js';

const ZHostInput = z.object({
  root: z.string().min(1),
  dataDir: z.string().min(1),
  logFile: z.string().min(1),
  /** The underlay address and port of the HTTPS front (the join endpoint, the API). */
  tls: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65_535) }),
  socketPath: z.string().min(1),
  /** The control plane's environment (apps/web/src/env.ts). */
  webEnv: z.record(z.string(), z.string()),
});
export type ControlPlaneHostInput = z.input<typeof ZHostInput>;

const input = ZHostInput.parse(JSON.parse(await text(process.stdin)));
const next = { host: '127.0.0.1', port: await findFreePort() };
const web = await startWebServer({ root: input.root, ...next, env: input.webEnv, logFile: input.logFile });
const stops: (() => Promise<unknown>)[] = [web.stop];
const stop = async (code: number) => {
  for (const step of stops.reverse()) await step().catch(() => undefined);
  process.exit(code);
};
process.once('SIGTERM', () => void stop(0));
process.once('SIGINT', () => void stop(0));
try {
  const authority = openClusterAuthority({ directory: input.dataDir });
  const front = await startTlsFront({
    ...input.tls,
    target: next,
    credentials: await readServingCredentials({ tls: { mode: 'ca', names: [input.tls.host] }, authority }),
  });
  stops.push(front.close);
  const pipe = await startSocketPipe({ listen: { path: input.socketPath }, target: next });
  stops.push(pipe.close);
  console.log(JSON.stringify({ isReady: true, caHash: await authority.readFingerprint() }));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  await stop(1);
}
