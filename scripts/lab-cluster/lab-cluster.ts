import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from '@kudo/agent';
import { createLab, type Lab } from '@kudo/netcore/lab';
import { migrateDatabase } from '@kudo/web/scripting';
import { pino } from 'pino';
import { type ApiClient, createApiClient, signIn } from './api-client.js';
import { startWebServer, type WebServer } from './web-server.js';

type Agent = Awaited<ReturnType<typeof startAgent>>;
export type LabAgent = {
  nodeName: string;
  namespace: string;
  externalIpAddr: string;
  url: string;
  token: string;
};

/** Runs every step of a teardown, even after one fails, and reports all failures at the end. */
const runAll = async (steps: (() => Promise<unknown>)[]) => {
  const failures: string[] = [];
  for (const step of steps)
    try {
      await step();
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  if (failures.length > 0) throw new Error(`cleanup failed: ${failures.join('; ')}`);
};

/**
 * A whole Kudo cluster in a sandbox: a netcore lab of `nodeCount` node namespaces, one agent per node
 * (in this process, on loopback, each with its own token), the dashboard (`next start`) on
 * `host:port` with its own data directory, and every lab node registered through the control plane's
 * API. `stop()` ends the dashboard and the agents and removes the lab; a failure while starting undoes
 * what was started. Used by `npm start` and by the browser tests.
 */
export const startLabCluster = async ({
  root,
  prefix,
  nodeCount,
  host = '127.0.0.1',
  port,
  dataDir,
  adminPassword = randomBytes(12).toString('base64url'),
  viewerPassword = randomBytes(12).toString('base64url'),
  healthIntervalMs = 10_000,
  log = () => undefined,
  signal,
}: {
  root: string;
  prefix: string;
  nodeCount: number;
  host?: string;
  port: number;
  dataDir: string;
  adminPassword?: string;
  viewerPassword?: string;
  healthIntervalMs?: number;
  log?: (line: string) => void;
  /** Aborting it while starting undoes what was started (Ctrl-C during `npm start`). */
  signal?: AbortSignal;
}) => {
  mkdirSync(dataDir, { recursive: true });
  const cleanup: (() => Promise<unknown>)[] = [];
  const stop = () => runAll([...cleanup].reverse());
  const step = (line: string) => {
    signal?.throwIfAborted();
    log(line);
  };
  try {
    step(`creating lab ${prefix} with ${nodeCount} node(s)`);
    const lab: Lab = await createLab({ prefix, nodeCount });
    cleanup.push(() => lab.destroy());

    const agentLogger = pino(
      { name: 'kudo-agent', level: 'info' },
      pino.destination({ dest: join(dataDir, 'agents.log'), sync: false }),
    );
    const agents: LabAgent[] = [];
    for (const node of lab.nodes) {
      const token = randomBytes(24).toString('hex');
      const agent: Agent = await startAgent({
        nodeId: node.name,
        hostNamespace: node.namespace,
        port: 0,
        token,
        logger: agentLogger,
      });
      cleanup.push(() => agent.close());
      agents.push({
        nodeName: node.name,
        namespace: node.namespace,
        externalIpAddr: node.externalIpAddr,
        url: agent.url,
        token,
      });
      step(`agent of ${node.name} listening at ${agent.url}`);
    }

    const databaseUrl = `file:${join(dataDir, 'kudo.db')}`;
    step('migrating the database');
    await migrateDatabase({ databaseUrl, from: root });

    step(`starting the dashboard on http://${host}:${port}`);
    const web: WebServer = await startWebServer({
      root,
      host,
      port,
      logFile: join(dataDir, 'web.log'),
      env: {
        KUDO_DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        KUDO_ADMIN_PASSWORD: adminPassword,
        KUDO_VIEWER_PASSWORD: viewerPassword,
        KUDO_HEALTH_INTERVAL_MS: String(healthIntervalMs),
        KUDO_COOKIE_SECURE: 'never',
      },
    });
    cleanup.push(() => web.stop());

    const cookie = await signIn({ baseUrl: web.url, name: 'admin', password: adminPassword });
    const api: ApiClient = createApiClient({ baseUrl: web.url, cookie });
    for (const agent of agents) {
      step(`registering ${agent.nodeName} (${agent.externalIpAddr})`);
      await api.node.add.mutate({
        agentUrl: agent.url,
        agentToken: agent.token,
        externalIpAddr: agent.externalIpAddr,
      });
    }
    signal?.throwIfAborted();
    return {
      lab,
      agents,
      web,
      api,
      credentials: { admin: adminPassword, viewer: viewerPassword },
      dataDir,
      /** Runs a teardown step with the others (e.g. demo servers), before the dashboard and the lab go. */
      onStop: (step: () => Promise<unknown>) => cleanup.push(step),
      stop,
    };
  } catch (error) {
    await stop().catch((cleanupError: unknown) => log(String(cleanupError)));
    throw error;
  }
};

export type LabCluster = Awaited<ReturnType<typeof startLabCluster>>;
