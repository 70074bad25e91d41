import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { plainEnv } from './env.js';

/** The port every lab agent listens on, on its machine's uplink address (as on a real node). */
export const labAgentPort = 7443;

export type JoinRequest = {
  /** The packaged agent, `kudo-agent.mjs`. */
  bundle: string;
  /** The lab machine the agent runs on: its namespace and uplink address. */
  machine: { namespace: string; ipAddr: string };
  server: string;
  token: string;
  caHash: string;
  nodeId?: string;
  configDir: string;
  /** A bearer token file for an admin's scripts (the agent's `--token-file`). */
  tokenFile?: string;
  /**
   * The start of the machine's instance namespace names. Lab machines share this machine's /run/netns
   * (a real machine has its own): each names its instances after its own namespace, so the lab removes
   * them with it and no agent takes another's instances for orphans.
   */
  namespacePrefix?: string;
};

/** The arguments of `kudo-agent.mjs join`, exactly what an admin types on a real machine. */
const toJoinArguments = ({
  server,
  token,
  caHash,
  nodeId,
  machine,
  configDir,
  tokenFile,
  namespacePrefix,
}: JoinRequest) => [
  'join',
  '--server',
  server,
  '--token',
  token,
  '--ca-hash',
  caHash,
  ...(nodeId ? ['--node-id', nodeId] : []),
  '--listen',
  `${machine.ipAddr}:${labAgentPort}`,
  '--config-dir',
  configDir,
  ...(tokenFile ? ['--token-file', tokenFile] : []),
  ...(namespacePrefix ? ['--namespace-prefix', namespacePrefix] : []),
];

/** The join command as it is shown, with the token left out (it is a credential until used). */
export const describeJoinCommand = (request: JoinRequest) =>
  [
    `nsenter --net=/run/netns/${request.machine.namespace}`,
    'node',
    request.bundle,
    ...toJoinArguments({ ...request, token: '<join token>' }),
  ].join(' ');

export type JoinOutcome = { isServing: true } | { isServing: false; exitCode: number | null; output: string };

/**
 * Runs the packaged agent's `join` on a lab machine: entered with nsenter (only the network namespace: the
 * agent acts on that namespace as its own, and sees the machine's mount namespace, where instance
 * namespaces are named), with plain node and nothing of this process's environment but PATH. `outcome`
 * settles when the agent serves (it joined) or exits (refused, with its output); its output also goes to
 * `logFile`. `stop()` ends it (SIGTERM, as systemd would).
 */
export const spawnAgentJoin = ({ request, logFile }: { request: JoinRequest; logFile: string }) => {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(
    'nsenter',
    [
      `--net=/run/netns/${request.machine.namespace}`,
      '--',
      process.execPath,
      request.bundle,
      ...toJoinArguments(request),
    ],
    { env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    log.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const outcome = new Promise<JoinOutcome>((resolve) => {
    child.stdout?.on('data', () => {
      if (output.includes('"msg":"agent listening"')) resolve({ isServing: true });
    });
    child.once('exit', (code) => resolve({ isServing: false, exitCode: code, output }));
  });
  return {
    pid: child.pid,
    outcome,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
};

/** Joins a lab machine and leaves its agent serving; a refused join throws with the agent's output. */
export const joinLabMachine = async ({ request, logFile }: { request: JoinRequest; logFile: string }) => {
  const agent = spawnAgentJoin({ request, logFile });
  const outcome = await agent.outcome;
  if (!outcome.isServing) {
    await agent.stop();
    throw new Error(
      `kudo-agent join on ${request.machine.namespace} exited with ${outcome.exitCode}: ${outcome.output.trim()}`,
    );
  }
  return { ...agent, url: `https://${request.machine.ipAddr}:${labAgentPort}` };
};
