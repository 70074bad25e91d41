import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Lab } from '@kudo/netcore/lab';
import { pino } from 'pino';
import { type AgentClient, type AgentEvent, createAgentClient } from '../client.js';
import { startAgent } from '../start-agent.js';

const run = promisify(execFile);

export const createTestToken = () => randomBytes(24).toString('hex');

/** A logger whose JSON lines the test can read (to prove, say, that no token is ever logged). */
export const createCapturedLogger = () => {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
};

/**
 * A scratch directory with a boot id file the test can rewrite to simulate a reboot, and a token file as
 * the CLI reads it (one line, mode 0600) of `token`.
 */
export const createScratch = async ({ token = createTestToken() }: { token?: string } = {}) => {
  const directory = await mkdtemp(join(tmpdir(), 'kudo-agent-test-'));
  const bootIdFile = join(directory, 'boot_id');
  await writeFile(bootIdFile, 'boot-1\n');
  const tokenFile = join(directory, 'token');
  await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
  return { directory, bootIdFile, tokenFile, remove: () => rm(directory, { recursive: true, force: true }) };
};

/** The CLI arguments of an agent acting in a lab node's namespace, on loopback, with the scratch's token file. */
export const toLabAgentArgs = ({
  namespace,
  scratch,
  hasBootIdFile = true,
  nodeId = 'node1',
  port = 0,
}: {
  namespace: string;
  scratch: { tokenFile: string; bootIdFile: string };
  /** Without it, the agent reads the kernel's boot id. */
  hasBootIdFile?: boolean;
  nodeId?: string;
  port?: number;
}) => [
  ...['--node-id', nodeId, '--port', String(port), '--token-file', scratch.tokenFile],
  ...['--host-namespace', namespace, ...(hasBootIdFile ? ['--boot-id-file', scratch.bootIdFile] : [])],
];

/** An agent in this process, acting in a lab node's namespace, listening on a free loopback port. */
export const startLabAgent = async ({
  lab,
  nodeName = 'node1',
  token,
  bootIdFile,
  operationTimeoutMs,
}: {
  lab: Lab;
  nodeName?: string;
  token: string;
  bootIdFile: string;
  operationTimeoutMs?: number;
}) => {
  const node = lab.nodes.find((candidate) => candidate.name === nodeName);
  if (!node) throw new Error(`lab has no ${nodeName}`);
  const { logger, lines } = createCapturedLogger();
  const agent = await startAgent({
    nodeId: nodeName,
    hostNamespace: node.namespace,
    port: 0,
    token,
    bootIdFile,
    logger,
    ...(operationTimeoutMs === undefined ? {} : { operationTimeoutMs }),
  });
  return { agent, node, logLines: lines, client: createAgentClient({ url: agent.url, token }) };
};

/** The node's whole iptables-save output (every table), read in its namespace. */
export const saveIptables = async (namespace: string) =>
  (await run('nsenter', [`--net=/run/netns/${namespace}`, '--', 'iptables-save'])).stdout;

/** iptables-save lines that are rules (not comments, counters, table or chain headers). */
export const listRuleLines = (saved: string) => saved.split('\n').filter((line) => line.startsWith('-A '));

export const fetchMetrics = async ({ url, token }: { url: string; token: string }) => {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
};

/** The value of one sample in Prometheus text, by metric name and labels (0 when absent). */
export const readMetric = ({
  text,
  name,
  labels,
}: {
  text: string;
  name: string;
  labels: Record<string, string>;
}) => {
  const line = text
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => candidate.includes(`${key}="${value}"`)),
    );
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
};

/**
 * Subscribes to the agent's events through the typed client and keeps them; `waitFor` resolves as soon as
 * the events seen satisfy a condition (no sleeping: the test's own timeout is the only clock).
 */
export const collectEvents = ({ client, lastEventId }: { client: AgentClient; lastEventId?: string }) => {
  const events: AgentEvent[] = [];
  const waiters: { isDone: () => boolean; resolve: () => void }[] = [];
  let failure: unknown;
  const check = () => {
    for (const waiter of [...waiters])
      if (waiter.isDone()) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
  };
  const subscription = client.events.subscribe(lastEventId === undefined ? undefined : { lastEventId }, {
    onData: (tracked) => {
      events.push(tracked.data);
      check();
    },
    onError: (error) => {
      failure = error;
    },
  });
  return {
    events,
    getFailure: () => failure,
    waitFor: (isDone: (seen: readonly AgentEvent[]) => boolean) =>
      new Promise<void>((resolve) => {
        waiters.push({ isDone: () => isDone(events), resolve });
        check();
      }),
    stop: () => subscription.unsubscribe(),
  };
};

/** The phases seen for each operation name, in order: `{ setupNode: ['started', 'finished'] }`. */
export const summarizeEvents = (events: readonly AgentEvent[]) => {
  const byOperation: Record<string, string[]> = {};
  for (const event of events)
    byOperation[event.operation] = [...(byOperation[event.operation] ?? []), event.phase];
  return byOperation;
};
